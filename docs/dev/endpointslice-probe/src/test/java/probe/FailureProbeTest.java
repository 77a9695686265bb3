package probe;

import static probe.Probe.await;
import static probe.Probe.endpoint;
import static probe.Probe.log;
import static probe.Probe.slice;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;

/** Question 2: 403 and an unreachable API server, at start and while running. */
class FailureProbeTest {

	private static KubernetesClient clientTo(int port, int watchReconnectMs, int requestRetryLimit) {
		Config config = new ConfigBuilder(Config.empty()).withMasterUrl("http://127.0.0.1:" + port)
			.withNamespace("shop")
			.withHttp2Disable(true)
			.withWatchReconnectInterval(watchReconnectMs)
			.withRequestRetryBackoffLimit(requestRetryLimit)
			.build();
		return new KubernetesClientBuilder().withConfig(config).build();
	}

	private static void describeFailure(Throwable t) {
		Throwable cause = (t instanceof ExecutionException) ? t.getCause() : t;
		log("  failure: %s", cause.getClass().getName());
		log("  message: %s", cause.getMessage());
		if (cause instanceof KubernetesClientException kce) {
			log("  KubernetesClientException.getCode()=%d, status.reason=%s, status.message=%s", kce.getCode(),
					(kce.getStatus() == null) ? null : kce.getStatus().getReason(),
					(kce.getStatus() == null) ? null : kce.getStatus().getMessage());
		}
		if (cause.getCause() != null) {
			log("  cause: %s: %s", cause.getCause().getClass().getName(), cause.getCause().getMessage());
		}
	}

	@Test
	void forbiddenAtStartDefaultHandler() throws Exception {
		GateDispatcher gate = new GateDispatcher();
		KubernetesMockServer server = Probe.gatedServer(gate);
		gate.forbidden = true;
		try (KubernetesClient client = clientTo(server.getPort(), 1000, 10)) {
			SharedIndexInformer<EndpointSlice> informer = client.discovery().v1().endpointSlices().inNamespace("shop")
				.withLabel("kubernetes.io/service-name", "orders").runnableInformer(0);
			informer.addEventHandler(new Probe.Recorder());
			long start = System.nanoTime();
			try {
				informer.start().toCompletableFuture().get(30, TimeUnit.SECONDS);
				log("UNEXPECTED: started");
			}
			catch (ExecutionException ex) {
				log("start() failed after %d ms", (System.nanoTime() - start) / 1_000_000);
				describeFailure(ex);
			}
			log("after failure: running=%s watching=%s stopped().done=%s exceptionally=%s", informer.isRunning(),
					informer.isWatching(), informer.stopped().toCompletableFuture().isDone(),
					informer.stopped().toCompletableFuture().isCompletedExceptionally());
			log("also the inform() shortcut (blocking run()):");
			try {
				client.discovery().v1().endpointSlices().inNamespace("shop")
					.withLabel("kubernetes.io/service-name", "orders").inform(new Probe.Recorder());
			}
			catch (RuntimeException ex) {
				describeFailure(ex);
			}
		}
		finally {
			server.destroy();
		}
	}

	@Test
	void forbiddenAtStartRetryingHandlerThenGranted() throws Exception {
		GateDispatcher gate = new GateDispatcher();
		KubernetesMockServer server = Probe.gatedServer(gate);
		try (KubernetesClient client = clientTo(server.getPort(), 1000, 10)) {
			var slices = client.discovery().v1().endpointSlices().inNamespace("shop");
			slices.resource(slice("orders-a", "orders", "grpc", 9090,
					endpoint("10.0.0.1", true, true, false, "zone-a", "n1"))).create();
			gate.forbidden = true;
			SharedIndexInformer<EndpointSlice> informer = slices.withLabel("kubernetes.io/service-name", "orders")
				.runnableInformer(0);
			Probe.Recorder rec = new Probe.Recorder();
			informer.addEventHandler(rec);
			informer.exceptionHandler((started, t) -> {
				log("  exceptionHandler(isStarted=%s, %s: code %s)", started, t.getClass().getSimpleName(),
						(t instanceof KubernetesClientException kce) ? kce.getCode() : "-");
				return true;
			});
			CompletableFuture<Void> started = informer.start().toCompletableFuture();
			Thread.sleep(3500);
			log("after 3.5 s forbidden: start done=%s running=%s watching=%s", started.isDone(), informer.isRunning(),
					informer.isWatching());
			gate.forbidden = false;
			log("Role granted");
			started.get(20, TimeUnit.SECONDS);
			log("started after the grant: running=%s watching=%s", informer.isRunning(), informer.isWatching());
			await("onAdd orders-a", 3000, () -> rec.saw("onAdd orders-a"));
			informer.stop();
		}
		finally {
			server.destroy();
		}
	}

	@Test
	void forbiddenWhileRunning() throws Exception {
		GateDispatcher gate = new GateDispatcher();
		KubernetesMockServer server = Probe.gatedServer(gate);
		try (Relay relay = new Relay(server.getPort()); KubernetesClient client = clientTo(relay.port(), 1000, 10)) {
			var slices = client.discovery().v1().endpointSlices().inNamespace("shop");
			slices.resource(slice("orders-a", "orders", "grpc", 9090,
					endpoint("10.0.0.1", true, true, false, "zone-a", "n1"))).create();
			SharedIndexInformer<EndpointSlice> informer = slices.withLabel("kubernetes.io/service-name", "orders")
				.runnableInformer(0);
			Probe.Recorder rec = new Probe.Recorder();
			informer.addEventHandler(rec);
			informer.exceptionHandler((started, t) -> {
				Throwable c = (t instanceof java.util.concurrent.CompletionException) ? t.getCause() : t;
				log("  exceptionHandler(isStarted=%s, %s code=%s)", started, c.getClass().getSimpleName(),
						(c instanceof KubernetesClientException kce) ? kce.getCode() : "-");
				return true;
			});
			informer.start().toCompletableFuture().get(10, TimeUnit.SECONDS);
			await("onAdd", 3000, () -> rec.saw("onAdd"));
			Thread.sleep(500); // let the watch settle: a cut within ms of its opening can go unnoticed (CutProbeTest)
			log("RBAC revoked, and the watch connection drops (relay cut + restored)");
			gate.forbidden = true;
			relay.cut();
			relay.restore();
			for (int i = 0; i < 8; i++) {
				Thread.sleep(1000);
				log("  t+%ds: running=%s watching=%s stopped.done=%s store=%d events=%d", i + 1, informer.isRunning(),
						informer.isWatching(), informer.stopped().toCompletableFuture().isDone(),
						informer.getStore().list().size(), rec.events.size());
			}
			log("a direct list now (what a resolver could do to classify the problem):");
			try {
				slices.withLabel("kubernetes.io/service-name", "orders").list();
			}
			catch (KubernetesClientException ex) {
				describeFailure(ex);
			}
			gate.forbidden = false;
			log("Role granted again");
			await("watching again", 40_000, informer::isWatching);
			EndpointSlice a = slices.withName("orders-a").get();
			a.getEndpoints().get(0).getConditions().setReady(false);
			slices.resource(a).update();
			await("update seen after the grant", 5000, () -> rec.count("onUpdate") >= 1);
			informer.stop();
		}
		finally {
			server.destroy();
		}
	}

	@Test
	void apiServerGoneAndBack() throws Exception {
		GateDispatcher gate = new GateDispatcher();
		KubernetesMockServer server = Probe.gatedServer(gate);
		try (Relay relay = new Relay(server.getPort());
				KubernetesClient client = clientTo(relay.port(), 1000, 10);
				KubernetesClient direct = clientTo(server.getPort(), 1000, 0)) {
			var slices = client.discovery().v1().endpointSlices().inNamespace("shop");
			var directSlices = direct.discovery().v1().endpointSlices().inNamespace("shop");
			slices.resource(slice("orders-a", "orders", "grpc", 9090,
					endpoint("10.0.0.1", true, true, false, "zone-a", "n1"))).create();
			slices.resource(slice("orders-b", "orders", "grpc", 9090,
					endpoint("10.0.1.1", true, true, false, "zone-b", "n2"))).create();
			SharedIndexInformer<EndpointSlice> informer = slices.withLabel("kubernetes.io/service-name", "orders")
				.runnableInformer(0);
			Probe.Recorder rec = new Probe.Recorder();
			informer.addEventHandler(rec);
			informer.exceptionHandler((started, t) -> {
				log("  exceptionHandler(isStarted=%s, %s)", started, t);
				return true;
			});
			informer.start().toCompletableFuture().get(10, TimeUnit.SECONDS);
			await("two onAdd", 3000, () -> rec.count("onAdd") == 2);
			Thread.sleep(500); // let the watch settle: a cut within ms of its first message can go unnoticed (CutProbeTest)
			int before = rec.events.size();

			log("API server gone (connections reset, new ones refused)");
			relay.cut();
			long cutAt = System.nanoTime();
			await("isWatching() false", 5000, () -> !informer.isWatching());
			log("while gone: orders-a modified (10.0.0.1 not ready), orders-b deleted, orders-c created");
			EndpointSlice a = directSlices.withName("orders-a").get();
			a.getEndpoints().get(0).getConditions().setReady(false);
			directSlices.resource(a).update();
			directSlices.withName("orders-b").delete();
			directSlices.resource(slice("orders-c", "orders", "grpc", 9090,
					endpoint("10.0.2.1", true, true, false, "zone-a", "n3"))).create();
			for (int i = 0; i < 6; i++) {
				Thread.sleep(1000);
				log("  t+%ds gone: running=%s watching=%s store=%s new events=%d", i + 1, informer.isRunning(),
						informer.isWatching(), informer.getStore().listKeys(), rec.events.size() - before);
			}
			if (Boolean.getBoolean("probe.gone410")) {
				log("the first watch after the outage gets 410 Gone (its resourceVersion left the API server's window)");
				gate.goneWatches.set(1);
			}
			log("API server back");
			relay.restore();
			long back = System.nanoTime();
			await("watching again", 70_000, informer::isWatching);
			log("  reconnected %d ms after restore (%d ms after the cut)", (System.nanoTime() - back) / 1_000_000,
					(System.nanoTime() - cutAt) / 1_000_000);
			Thread.sleep(1500);
			log("store after reconnect: %s", informer.getStore().list().stream().map(Probe::describe).toList());
			log("events after reconnect: %s", rec.events.subList(before, rec.events.size()));
			log("API server's truth: %s", directSlices.withLabel("kubernetes.io/service-name", "orders").list().getItems()
				.stream().map(Probe::describe).toList());
			informer.stop();
		}
		finally {
			server.destroy();
		}
	}

	@Test
	void apiServerDownAtStart() throws Exception {
		GateDispatcher gate = new GateDispatcher();
		KubernetesMockServer server = Probe.gatedServer(gate);
		try (Relay relay = new Relay(server.getPort())) {
			relay.cut();
			for (int limit : new int[] { 0, 3 }) {
				try (KubernetesClient client = clientTo(relay.port(), 1000, limit)) {
					SharedIndexInformer<EndpointSlice> informer = client.discovery().v1().endpointSlices()
						.inNamespace("shop").withLabel("kubernetes.io/service-name", "orders").runnableInformer(0);
					long start = System.nanoTime();
					try {
						informer.start().toCompletableFuture().get(60, TimeUnit.SECONDS);
					}
					catch (ExecutionException ex) {
						log("requestRetryBackoffLimit=%d: start() failed after %d ms", limit,
								(System.nanoTime() - start) / 1_000_000);
						describeFailure(ex);
					}
				}
			}
			log("with a retrying exception handler, the API server appears 3 s later:");
			try (KubernetesClient client = clientTo(relay.port(), 1000, 0)) {
				SharedIndexInformer<EndpointSlice> informer = client.discovery().v1().endpointSlices().inNamespace("shop")
					.withLabel("kubernetes.io/service-name", "orders").runnableInformer(0);
				informer.exceptionHandler((started, t) -> {
					log("  exceptionHandler(isStarted=%s, %s)", started, t.getClass().getSimpleName());
					return true;
				});
				CompletableFuture<Void> started = informer.start().toCompletableFuture();
				Thread.sleep(3000);
				relay.restore();
				long back = System.nanoTime();
				started.get(70, TimeUnit.SECONDS);
				log("  started %d ms after the API server appeared; watching=%s", (System.nanoTime() - back) / 1_000_000,
						informer.isWatching());
				informer.stop();
			}
		}
		finally {
			server.destroy();
		}
	}

}

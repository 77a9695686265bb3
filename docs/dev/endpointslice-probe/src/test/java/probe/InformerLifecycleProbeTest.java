package probe;

import static probe.Probe.await;
import static probe.Probe.endpoint;
import static probe.Probe.log;
import static probe.Probe.slice;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;

/**
 * Question 1/2: does CRUD mode serve discovery.k8s.io/v1 EndpointSlice list+watch with a label selector, and what
 * does a SharedIndexInformer's handler see for scale up/down, not-ready, terminating, delete?
 */
class InformerLifecycleProbeTest {

	@Test
	void informerSeesEndpointSliceLifecycle() throws Exception {
		GateDispatcher gate = new GateDispatcher();
		KubernetesMockServer server = Probe.gatedServer(gate);
		try (KubernetesClient client = server.createClient()) {
			log("java %s, http client %s, jackson-databind %s", System.getProperty("java.version"),
					client.adapt(io.fabric8.kubernetes.client.impl.BaseClient.class).getHttpClient().getClass().getName(),
					com.fasterxml.jackson.databind.cfg.PackageVersion.VERSION);
			var slices = client.discovery().v1().endpointSlices().inNamespace("shop");
			// A slice of another Service in the same namespace: the label selector must keep it out.
			slices.resource(slice("payments-x", "payments", "grpc", 9090,
					endpoint("10.0.9.1", true, true, false, "zone-a", "n1"))).create();

			Probe.Recorder rec = new Probe.Recorder();
			SharedIndexInformer<EndpointSlice> informer = slices.withLabel("kubernetes.io/service-name", "orders")
				.runnableInformer(0);
			informer.addEventHandler(rec);
			log("starting informer: running=%s watching=%s", informer.isRunning(), informer.isWatching());
			informer.start().toCompletableFuture().get(10, TimeUnit.SECONDS);
			log("started: running=%s watching=%s synced=%s lastSyncRV=%s", informer.isRunning(), informer.isWatching(),
					informer.hasSynced(), informer.lastSyncResourceVersion());
			await("onList after start (no slices yet)", 2000, () -> rec.saw("onList"));

			log("1. scale up from zero: create slice orders-a with two ready endpoints, port grpc:9090");
			slices.resource(slice("orders-a", "orders", "grpc", 9090,
					endpoint("10.0.0.1", true, true, false, "zone-a", "n1"),
					endpoint("10.0.0.2", true, true, false, "zone-b", "n2"))).create();
			await("onAdd orders-a", 3000, () -> rec.saw("onAdd orders-a"));

			log("2. 10.0.0.2 becomes not ready (readiness probe fails)");
			EndpointSlice a = slices.withName("orders-a").get();
			a.getEndpoints().get(1).getConditions().setReady(false);
			a.getEndpoints().get(1).getConditions().setServing(false);
			slices.resource(a).update();
			await("onUpdate with 10.0.0.2 r=false", 3000, () -> rec.count("onUpdate") >= 1);

			log("3. 10.0.0.1 starts terminating (ready=false, serving=true, terminating=true)");
			a = slices.withName("orders-a").get();
			a.getEndpoints().get(0).getConditions().setReady(false);
			a.getEndpoints().get(0).getConditions().setTerminating(true);
			slices.resource(a).update();
			await("second onUpdate", 3000, () -> rec.count("onUpdate") >= 2);

			log("4. a second slice for the same Service (many pods / other port mapping), conditions left nil");
			slices.resource(new EndpointSliceBuilder(slice("orders-b", "orders", "grpc", 9090,
					endpoint("10.0.1.1", null, null, null, "zone-a", "n3"))).build()).create();
			await("onAdd orders-b", 3000, () -> rec.saw("onAdd orders-b"));

			log("5. the other Service's slice changes: must not reach this informer");
			EndpointSlice p = slices.withName("payments-x").get();
			p.getEndpoints().get(0).getConditions().setReady(false);
			slices.resource(p).update();

			log("6. patch (JSON merge) the second slice: scale up inside one slice");
			slices.withName("orders-b").patch(PatchContext.of(io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE),
					"{\"endpoints\":[{\"addresses\":[\"10.0.1.1\"],\"conditions\":{\"ready\":true}},"
							+ "{\"addresses\":[\"10.0.1.2\"],\"conditions\":{\"ready\":true},\"zone\":\"zone-b\"}]}");
			await("third onUpdate (orders-b patched)", 3000, () -> rec.count("onUpdate") >= 3);

			log("7. scale down: delete slice orders-a");
			slices.withName("orders-a").delete();
			await("onDelete orders-a", 3000, () -> rec.saw("onDelete"));
			Thread.sleep(300);
			log("store now: %s", informer.getStore().list().stream().map(Probe::describe).toList());
			log("events seen for payments: %s", rec.events.stream().filter((e) -> e.contains("payments")).count());
			log("requests the mock saw:");
			gate.paths.forEach((path) -> log("    %s", path));

			informer.stop();
			log("stopped: running=%s watching=%s stopped().isDone=%s", informer.isRunning(), informer.isWatching(),
					informer.stopped().toCompletableFuture().isDone());
			informer.stopped().toCompletableFuture().get(2, TimeUnit.SECONDS);
			log("stopped() completed normally");
		}
		finally {
			server.destroy();
		}
	}

}

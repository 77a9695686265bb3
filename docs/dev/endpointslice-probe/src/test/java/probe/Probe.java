package probe;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;

import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;

/** Helpers for the probes: a CRUD mock server (with expectations on top), slices, an event recorder. */
final class Probe {

	static final long T0 = System.nanoTime();

	static void log(String fmt, Object... args) {
		System.out.printf("[%6d ms] %s%n", (System.nanoTime() - T0) / 1_000_000, String.format(fmt, args));
	}

	/** CRUD mode behind a 403 switch, plain HTTP, on loopback. */
	static KubernetesMockServer gatedServer(GateDispatcher gate) {
		KubernetesMockServer server = new KubernetesMockServer(new Context(Serialization.jsonMapper()),
				new MockWebServer(), new HashMap<>(), gate, false);
		server.init(InetAddress.getLoopbackAddress(), 0);
		return server;
	}

	/** CRUD mode plus expectations (expectations win while they have responses), plain HTTP. */
	static KubernetesMockServer crudServer() {
		Map<ServerRequest, Queue<ServerResponse>> responses = new HashMap<>();
		KubernetesMockServer server = new KubernetesMockServer(new Context(Serialization.jsonMapper()),
				new MockWebServer(), responses, new KubernetesMixedDispatcher(responses), false);
		server.init(InetAddress.getLoopbackAddress(), 0);
		return server;
	}

	static Endpoint endpoint(String ip, Boolean ready, Boolean serving, Boolean terminating, String zone,
			String node) {
		return new EndpointBuilder().withAddresses(ip)
			.withNewConditions().withReady(ready).withServing(serving).withTerminating(terminating).endConditions()
			.withZone(zone).withNodeName(node)
			.build();
	}

	static EndpointSlice slice(String name, String service, String portName, int port, Endpoint... endpoints) {
		return new EndpointSliceBuilder().withNewMetadata()
			.withName(name).withNamespace("shop")
			.addToLabels("kubernetes.io/service-name", service)
			.addToLabels("endpointslice.kubernetes.io/managed-by", "endpointslice-controller.k8s.io")
			.endMetadata()
			.withAddressType("IPv4")
			.addNewPort().withName(portName).withPort(port).withProtocol("TCP").endPort()
			.withEndpoints(endpoints)
			.build();
	}

	static String describe(EndpointSlice s) {
		if (s == null) {
			return "null";
		}
		List<String> eps = new ArrayList<>();
		for (Endpoint e : s.getEndpoints()) {
			var c = e.getConditions();
			eps.add(e.getAddresses() + "{r=" + (c == null ? "-" : c.getReady()) + ",s=" + (c == null ? "-" : c.getServing())
					+ ",t=" + (c == null ? "-" : c.getTerminating()) + ",zone=" + e.getZone() + "}");
		}
		return s.getMetadata().getName() + "@rv" + s.getMetadata().getResourceVersion() + " ports="
				+ s.getPorts().stream().map((p) -> p.getName() + ":" + p.getPort()).toList() + " " + eps;
	}

	static void await(String what, long timeoutMs, BooleanSupplier condition) throws InterruptedException {
		long start = System.nanoTime();
		while (!condition.getAsBoolean()) {
			if ((System.nanoTime() - start) / 1_000_000 > timeoutMs) {
				throw new AssertionError("timed out after " + timeoutMs + " ms waiting for " + what);
			}
			Thread.sleep(20);
		}
		log("  ok after %d ms: %s", (System.nanoTime() - start) / 1_000_000, what);
	}

	/** Records what a ResourceEventHandler sees, with the thread it ran on. */
	static final class Recorder implements ResourceEventHandler<EndpointSlice> {

		final List<String> events = new CopyOnWriteArrayList<>();

		private void add(String event) {
			this.events.add(event);
			log("  handler [%s] %s", Thread.currentThread().getName(), event);
		}

		@Override
		public void onBeforeList(String lastSyncResourceVersion) {
			add("onBeforeList(" + lastSyncResourceVersion + ")");
		}

		@Override
		public void onList(String resourceVersion, boolean remainedEmpty) {
			add("onList(" + resourceVersion + ", remainedEmpty=" + remainedEmpty + ")");
		}

		@Override
		public void onAdd(EndpointSlice obj) {
			add("onAdd " + describe(obj));
		}

		@Override
		public void onUpdate(EndpointSlice oldObj, EndpointSlice newObj) {
			add("onUpdate " + describe(oldObj) + " -> " + describe(newObj));
		}

		@Override
		public void onDelete(EndpointSlice obj, boolean deletedFinalStateUnknown) {
			add("onDelete(finalStateUnknown=" + deletedFinalStateUnknown + ") " + describe(obj));
		}

		boolean saw(String prefix) {
			return this.events.stream().anyMatch((e) -> e.startsWith(prefix));
		}

		long count(String prefix) {
			return this.events.stream().filter((e) -> e.startsWith(prefix)).count();
		}

	}

	private Probe() {
	}

}

package probe;

import static probe.Probe.endpoint;
import static probe.Probe.log;
import static probe.Probe.slice;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.RepeatedTest;

import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;

/** Without any cut: an update right after start() completes — is it always delivered? (No relay.) */
class EarlyUpdateProbeTest {

	@RepeatedTest(10)
	void updateRightAfterStart() throws Exception {
		GateDispatcher gate = new GateDispatcher();
		KubernetesMockServer server = Probe.gatedServer(gate);
		try (KubernetesClient client = server.createClient()) {
			var slices = client.discovery().v1().endpointSlices().inNamespace("shop");
			slices.resource(slice("orders-a", "orders", "grpc", 9090,
					endpoint("10.0.0.1", true, true, false, "zone-a", "n1"))).create();
			SharedIndexInformer<EndpointSlice> informer = slices.withLabel("kubernetes.io/service-name", "orders")
				.runnableInformer(0);
			Probe.Recorder rec = new Probe.Recorder();
			informer.addEventHandler(rec);
			informer.start().toCompletableFuture().get(10, TimeUnit.SECONDS);
			EndpointSlice a = slices.withName("orders-a").get();
			a.getEndpoints().get(0).getConditions().setReady(false);
			slices.resource(a).update();
			long t = System.nanoTime();
			while (rec.count("onUpdate") == 0 && System.nanoTime() - t < 5_000_000_000L) {
				Thread.sleep(20);
			}
			log("RESULT update seen: %s after %d ms; watching=%s", rec.count("onUpdate") > 0,
					(System.nanoTime() - t) / 1_000_000, informer.isWatching());
			informer.stop();
		}
		finally {
			server.destroy();
		}
	}

}

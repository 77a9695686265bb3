package probe;

import static probe.Probe.endpoint;
import static probe.Probe.log;
import static probe.Probe.slice;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;

/** Does the client notice that its watch connection was closed by the peer (FIN), with the relay? */
class CutProbeTest {

	@org.junit.jupiter.api.RepeatedTest(6)
	void clientSideCloseIsNoticed() throws Exception {
		boolean resetUpstream = Boolean.getBoolean("probe.resetUpstream");
		GateDispatcher gate = new GateDispatcher();
		KubernetesMockServer server = Probe.gatedServer(gate);
		try (Relay relay = new Relay(server.getPort())) {
			relay.resetUpstream = resetUpstream;
			Config config = new ConfigBuilder(Config.empty()).withMasterUrl("http://127.0.0.1:" + relay.port())
				.withNamespace("shop").withHttp2Disable(true).build();
			try (KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build();
					KubernetesClient direct = server.createClient()) {
				var slices = client.discovery().v1().endpointSlices().inNamespace("shop");
				slices.resource(slice("orders-a", "orders", "grpc", 9090,
						endpoint("10.0.0.1", true, true, false, "zone-a", "n1"))).create();
				SharedIndexInformer<EndpointSlice> informer = slices.withLabel("kubernetes.io/service-name", "orders")
					.runnableInformer(0);
				Probe.Recorder rec = new Probe.Recorder();
				informer.addEventHandler(rec);
				informer.start().toCompletableFuture().get(10, TimeUnit.SECONDS);
				Probe.await("onAdd", 3000, () -> rec.saw("onAdd"));
				Thread.sleep(Long.getLong("probe.sleepBeforeCut", 500));
				log("cut (resetUpstream=%s)", resetUpstream);
				relay.cut();
				for (int i = 0; i < 4; i++) {
					Thread.sleep(500);
					log("  t+%dms: watching=%s", (i + 1) * 500, informer.isWatching());
				}
				relay.restore();
				log("restored; update the slice on the mock directly");
				var d = direct.discovery().v1().endpointSlices().inNamespace("shop");
				EndpointSlice a = d.withName("orders-a").get();
				a.getEndpoints().get(0).getConditions().setReady(false);
				d.resource(a).update();
				long t = System.nanoTime();
				while (rec.count("onUpdate") == 0 && System.nanoTime() - t < 15_000_000_000L) {
					Thread.sleep(50);
				}
				log("RESULT sleepBeforeCut=%s update seen: %s after %d ms; watching=%s", Long.getLong("probe.sleepBeforeCut", 500), rec.count("onUpdate") > 0,
						(System.nanoTime() - t) / 1_000_000, informer.isWatching());
				informer.stop();
			}
		}
		finally {
			server.destroy();
		}
	}

}

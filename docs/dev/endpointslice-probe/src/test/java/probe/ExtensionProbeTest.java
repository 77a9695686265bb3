package probe;

import static probe.Probe.endpoint;
import static probe.Probe.log;
import static probe.Probe.slice;

import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;

/** The JUnit 5 extension in CRUD mode, and Jackson 2 (fabric8) beside Jackson 3 (Boot 4) when present. */
@EnableKubernetesMockClient(crud = true, https = false)
class ExtensionProbeTest {

	static KubernetesClient client;

	static KubernetesMockServer server;

	@Test
	void extensionInjectsCrudServerAndClient() throws Exception {
		log("junit-jupiter-api %s; client namespace %s; master %s",
				org.junit.jupiter.api.Test.class.getPackage().getImplementationVersion(), client.getNamespace(),
				client.getMasterUrl());
		var slices = client.discovery().v1().endpointSlices().inNamespace("shop");
		slices.resource(slice("orders-a", "orders", "grpc", 9090, endpoint("10.0.0.1", true, true, false, "z", "n")))
			.create();
		Probe.Recorder rec = new Probe.Recorder();
		SharedIndexInformer<EndpointSlice> informer = slices.withLabel("kubernetes.io/service-name", "orders")
			.inform(rec);
		Probe.await("onAdd via extension client", 3000, () -> rec.saw("onAdd"));
		informer.stop();
		informer.stopped().toCompletableFuture().get(2, TimeUnit.SECONDS);
	}

	@Test
	void jackson2AndJackson3Together() throws Exception {
		String json = Serialization.asJson(slice("orders-a", "orders", "grpc", 9090,
				endpoint("10.0.0.1", true, null, null, "z", "n")));
		EndpointSlice back = Serialization.unmarshal(json, EndpointSlice.class);
		log("fabric8 (Jackson %s) round trip: %s", com.fasterxml.jackson.databind.cfg.PackageVersion.VERSION,
				Probe.describe(back));
		String kubeconfig = "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: https://10.96.0.1:443\n"
				+ "contexts:\n- name: x\n  context:\n    cluster: c\n    namespace: shop\n    user: u\ncurrent-context: x\n"
				+ "users:\n- name: u\n  user:\n    token: abc\n";
		io.fabric8.kubernetes.client.Config fromYaml = io.fabric8.kubernetes.client.Config.fromKubeconfig(kubeconfig);
		log("kubeconfig (YAML, snakeyaml-engine + jackson-dataformat-yaml) parsed: master=%s namespace=%s",
				fromYaml.getMasterUrl(), fromYaml.getNamespace());
		try {
			Class<?> jsonMapper = Class.forName("tools.jackson.databind.json.JsonMapper");
			Object mapper = jsonMapper.getMethod("builder").invoke(null);
			mapper = mapper.getClass().getMethod("build").invoke(mapper);
			Object out = mapper.getClass().getMethod("writeValueAsString", Object.class)
				.invoke(mapper, Map.of("jackson3", "works", "slice", back.getMetadata().getName()));
			Object version = Class.forName("tools.jackson.databind.cfg.PackageVersion").getField("VERSION").get(null);
			log("Jackson 3 (%s) in the same JVM: %s", version, out);
		}
		catch (ClassNotFoundException ex) {
			log("no Jackson 3 on this class path (Boot 3.5 line)");
		}
	}

}

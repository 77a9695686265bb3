package io.github.grpclb.sample;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.grpclb.channel.ChannelSettings;
import io.github.grpclb.channel.ChannelSettingsProvider;
import io.github.grpclb.channel.Target;
import io.github.grpclb.sample.order.OrderServiceProperties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.CommandLinePropertySource;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.springframework.web.client.RestClient;
import org.springframework.web.context.support.StandardServletEnvironment;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The manifests in {@code k8s/} keep the invariants users get wrong. Where an invariant depends on the
 * application (probe paths, drain time, keepalive), each role is started with the environment its manifest gives
 * it, and the running application is asked.
 */
class KubernetesManifestTests {

	private static final Path K8S = Path.of("k8s");

	private static final Pattern DNS_TARGET = Pattern
		.compile("dns:///([a-z0-9-]+)\\.([a-z0-9-]+)\\.svc\\.cluster\\.local:(\\d+)");

	@TempDir
	static Path configMount;

	@TempDir
	static Path kubernetesConfigMount;

	private static List<Map<String, Object>> resources;

	private static ConfigurableApplicationContext orderService;

	private static ConfigurableApplicationContext gateway;

	private static ConfigurableApplicationContext gatewayKubernetes;

	@BeforeAll
	static void loadManifestsAndStartBothRoles() throws IOException {
		resources = new ArrayList<>();
		try (Stream<Path> files = Files.list(K8S)) {
			for (Path file : files.filter((f) -> f.toString().endsWith(".yaml")).sorted().toList()) {
				try (Reader reader = Files.newBufferedReader(file)) {
					for (Object document : new Yaml().loadAll(reader)) {
						resources.add(map(document));
					}
				}
			}
		}
		// The ConfigMap's file where the gateway's container would see it.
		String mountPath = string(map(list(container(deployment("gateway")).get("volumeMounts")).get(0)).get("mountPath"));
		Files.writeString(configMount.resolve("application.yml"),
				string(map(resource("ConfigMap", "gateway-config").get("data")).get("application.yml")));
		Files.writeString(kubernetesConfigMount.resolve("application.yml"),
				string(map(resource("ConfigMap", "gateway-kubernetes-config").get("data")).get("application.yml")));
		orderService = start(deployment("order-service"), mountPath, configMount);
		gateway = start(deployment("gateway"), mountPath, configMount);
		gatewayKubernetes = start(deployment("gateway-kubernetes"), mountPath, kubernetesConfigMount);
	}

	@AfterAll
	static void stopBothRoles() {
		Stream.of(gatewayKubernetes, gateway, orderService).filter(Objects::nonNull)
			.forEach(ConfigurableApplicationContext::close);
	}

	private static ConfigurableApplicationContext app(String deployment) {
		return switch (deployment) {
			case "gateway" -> gateway;
			case "gateway-kubernetes" -> gatewayKubernetes;
			default -> orderService;
		};
	}

	@Test
	void theOrderServiceIsHeadlessWithANamedGrpcPortAndSelectsTheOrderPods() {
		Map<String, Object> service = resource("Service", "order-service");
		Map<String, Object> spec = map(service.get("spec"));
		assertThat(spec.get("clusterIP")).as("a ClusterIP Service balances connections, not calls").isEqualTo("None");
		assertThat(list(spec.get("ports"))).extracting((port) -> map(port).get("name")).contains("grpc");
		assertThat(podLabels(deployment("order-service"))).containsAllEntriesOf(stringMap(spec.get("selector")));
		assertThat(map(deployment("order-service").get("spec")).get("replicas")).isEqualTo(3);
	}

	@Test
	void theGatewaysTargetNamesTheHeadlessServiceAndThePodPort() {
		String target = gateway.getBean(ChannelSettingsProvider.class).forClient("orders").target();
		Matcher matcher = DNS_TARGET.matcher(target);
		assertThat(matcher.matches()).as("target %s is dns:///<service>.<namespace>.svc.cluster.local:<port>", target)
			.isTrue();
		Map<String, Object> service = resource("Service", matcher.group(1));
		assertThat(map(service.get("metadata")).get("namespace")).isEqualTo(matcher.group(2));
		assertThat(map(service.get("spec")).get("clusterIP")).isEqualTo("None");

		Map<String, Object> servicePort = map(list(map(service.get("spec")).get("ports")).get(0));
		int podPort = containerPort(deployment("order-service"), servicePort.get("targetPort"));
		assertThat(Integer.parseInt(matcher.group(3)))
			.as("DNS of a headless Service gives pod IPs, so the target needs the container port")
			.isEqualTo(podPort);
		assertThat(withoutTestPortOverrides(orderService).bind("order.port", Integer.class).get())
			.as("the order service listens on the container port it declares")
			.isEqualTo(podPort);
	}

	@Test
	void theKubernetesGatewaysTargetNamesTheServiceItsNamespaceAndAPortItHas() {
		String target = gatewayKubernetes.getBean(ChannelSettingsProvider.class).forClient("orders").target();
		Target.KubernetesService named = Target.parse(target, false).service();
		assertThat(named).as("target %s is kubernetes:///<service>.<namespace>:<port name>", target).isNotNull();
		assertThat(named.namespace()).as("namespace in the target").isNotNull();
		Map<String, Object> service = resource("Service", named.name());
		assertThat(map(service.get("metadata")).get("namespace")).isEqualTo(named.namespace());
		assertThat(list(map(service.get("spec")).get("ports"))).extracting((port) -> map(port).get("name"))
			.as("the Service's port names (EndpointSlices carry them)")
			.contains(named.portName());
	}

	@Test
	void theKubernetesGatewaysServiceAccountMayWatchTheEndpointSlicesOfThatService() {
		Map<String, Object> deployment = deployment("gateway-kubernetes");
		String account = string(podSpec(deployment).get("serviceAccountName"));
		String accountNamespace = string(map(deployment.get("metadata")).get("namespace"));
		assertThat(map(resource("ServiceAccount", account).get("metadata")).get("namespace"))
			.isEqualTo(accountNamespace);
		String target = gatewayKubernetes.getBean(ChannelSettingsProvider.class).forClient("orders").target();
		String serviceNamespace = Target.parse(target, false).service().namespace();
		List<String> verbs = new ArrayList<>();
		for (Map<String, Object> binding : resources("RoleBinding")) {
			boolean forAccount = list(binding.get("subjects")).stream().map(KubernetesManifestTests::map)
				.anyMatch((subject) -> "ServiceAccount".equals(subject.get("kind")) && account.equals(subject.get("name"))
						&& accountNamespace.equals(subject.get("namespace")));
			if (!forAccount || !serviceNamespace.equals(map(binding.get("metadata")).get("namespace"))) {
				continue;
			}
			Map<String, Object> roleRef = map(binding.get("roleRef"));
			assertThat(roleRef.get("kind")).isEqualTo("Role");
			Map<String, Object> role = resource("Role", string(roleRef.get("name")));
			assertThat(map(role.get("metadata")).get("namespace")).isEqualTo(serviceNamespace);
			for (Object rule : list(role.get("rules"))) {
				Map<String, Object> r = map(rule);
				if (list(r.get("apiGroups")).contains("discovery.k8s.io")
						&& list(r.get("resources")).contains("endpointslices")) {
					list(r.get("verbs")).forEach((verb) -> verbs.add(string(verb)));
				}
			}
		}
		assertThat(verbs).as("verbs on discovery.k8s.io endpointslices granted to %s/%s in namespace %s",
				accountNamespace, account, serviceNamespace)
			.contains("get", "list", "watch");
	}

	@Test
	void eachGatewayReadsItsConfigMapWhereItIsMounted() {
		for (String name : List.of("gateway", "gateway-kubernetes")) {
			Map<String, Object> deployment = deployment(name);
			Map<String, Object> volume = map(list(podSpec(deployment).get("volumes")).get(0));
			assertThat(map(volume.get("configMap")).get("name")).isEqualTo(name + "-config");
			Map<String, Object> mount = map(list(container(deployment).get("volumeMounts")).get(0));
			assertThat(mount.get("name")).isEqualTo(volume.get("name"));
			assertThat(env(deployment).get("SPRING_CONFIG_ADDITIONAL_LOCATION"))
				.isEqualTo("file:" + mount.get("mountPath") + "/");
		}
	}

	@Test
	void everyProbeCallsAnEndpointThatAnswersUpOnAPortTheContainerDeclares() {
		for (String name : List.of("order-service", "gateway", "gateway-kubernetes")) {
			Map<String, Object> deployment = deployment(name);
			ConfigurableApplicationContext app = app(name);
			for (String probe : List.of("readinessProbe", "livenessProbe")) {
				Map<String, Object> httpGet = map(map(container(deployment).get(probe)).get("httpGet"));
				assertThat(containerPort(deployment, httpGet.get("port"))).as("%s %s port", name, probe)
					.isEqualTo(8080);
				JsonNode health = RestClient.create("http://localhost:" + app.getEnvironment().getProperty("local.server.port"))
					.get()
					.uri(string(httpGet.get("path")))
					.retrieve()
					.body(JsonNode.class);
				assertThat(health.get("status").asText()).as("%s %s %s", name, probe, httpGet.get("path")).isEqualTo("UP");
			}
		}
	}

	@Test
	void theGracePeriodOutlastsPreStopPlusDrain() {
		for (String name : List.of("order-service", "gateway", "gateway-kubernetes")) {
			Map<String, Object> deployment = deployment(name);
			ConfigurableApplicationContext app = app(name);
			List<Object> preStop = list(map(map(map(container(deployment).get("lifecycle")).get("preStop")).get("exec"))
				.get("command"));
			assertThat(preStop.get(0)).isEqualTo("sleep");
			Duration sleep = Duration.ofSeconds(Long.parseLong(string(preStop.get(1))));
			Duration drain = DurationStyle
				.detectAndParse(app.getEnvironment().getRequiredProperty("spring.lifecycle.timeout-per-shutdown-phase"));
			if (app == orderService) {
				Duration grpcDrain = orderService.getBean(OrderServiceProperties.class).getDrainTimeout();
				drain = (grpcDrain.compareTo(drain) > 0) ? grpcDrain : drain;
			}
			Duration grace = Duration.ofSeconds(((Number) podSpec(deployment).get("terminationGracePeriodSeconds")).longValue());
			assertThat(grace).as("%s: terminationGracePeriodSeconds vs preStop %s + drain %s", name, sleep, drain)
				.isGreaterThan(sleep.plus(drain));
		}
	}

	@Test
	void theServerAcceptsTheClientsKeepaliveAndRecyclesConnections() {
		ChannelSettings client = gateway.getBean(ChannelSettingsProvider.class).forClient("orders");
		OrderServiceProperties server = orderService.getBean(OrderServiceProperties.class);
		assertThat(server.getPermitKeepaliveTime())
			.as("server permit-keepalive-time <= client keepalive-time, else GOAWAY too_many_pings")
			.isLessThanOrEqualTo(client.keepaliveTime());
		if (client.keepaliveWithoutCalls()) {
			assertThat(server.isPermitKeepaliveWithoutCalls()).as("client pings idle connections").isTrue();
		}
		assertThat(server.getMaxConnectionAge()).as("connections are recycled so clients re-resolve DNS")
			.isPositive()
			.isGreaterThan(client.keepaliveTime());
		assertThat(server.getMaxConnectionAgeGrace()).isPositive();
	}

	@Test
	void theGatewaysJvmDnsCacheIsShorterThanItsRefreshInterval() {
		ChannelSettings client = gateway.getBean(ChannelSettingsProvider.class).forClient("orders");
		Matcher ttl = Pattern.compile("-Dsun\\.net\\.inetaddr\\.ttl=(\\d+)")
			.matcher(String.valueOf(env(deployment("gateway")).get("JAVA_TOOL_OPTIONS")));
		assertThat(ttl.find()).as("the gateway sets the JVM DNS cache (JDK default 30s adds to refresh-interval)")
			.isTrue();
		assertThat(Duration.ofSeconds(Long.parseLong(ttl.group(1)))).isLessThan(client.resolver().refreshInterval());
	}

	/** Start the application with the container's environment, as the Deployment gives it. */
	private static ConfigurableApplicationContext start(Map<String, Object> deployment, String mountPath,
			Path configDirectory) {
		Map<String, Object> env = new HashMap<>(env(deployment));
		env.replaceAll((key, value) -> string(value).replace("file:" + mountPath, "file:" + configDirectory));
		StandardServletEnvironment environment = new StandardServletEnvironment();
		environment.getPropertySources().addFirst(new SystemEnvironmentPropertySource("manifest-env", env));
		// Only the ports change: several roles run on one machine here.
		return new SpringApplicationBuilder(SampleApplication.class).environment(environment)
			.run("--server.port=0", "--order.port=0");
	}

	/** The application's configuration as the pod would have it: without this test's --port arguments. */
	private static Binder withoutTestPortOverrides(ConfigurableApplicationContext app) {
		List<PropertySource<?>> sources = app.getEnvironment()
			.getPropertySources()
			.stream()
			.filter((source) -> !CommandLinePropertySource.COMMAND_LINE_PROPERTY_SOURCE_NAME.equals(source.getName()))
			.toList();
		return new Binder(ConfigurationPropertySources.from(sources));
	}

	private static Map<String, Object> env(Map<String, Object> deployment) {
		Map<String, Object> env = new HashMap<>();
		for (Object entry : list(container(deployment).get("env"))) {
			Map<String, Object> variable = map(entry);
			// valueFrom (e.g. the pod name) is filled by Kubernetes; any stand-in value works here.
			env.put(string(variable.get("name")), variable.containsKey("value") ? variable.get("value") : "pod-0");
		}
		return env;
	}

	private static int containerPort(Map<String, Object> deployment, Object nameOrNumber) {
		for (Object port : list(container(deployment).get("ports"))) {
			Map<String, Object> p = map(port);
			if (nameOrNumber.equals(p.get("name")) || nameOrNumber.equals(p.get("containerPort"))) {
				return ((Number) p.get("containerPort")).intValue();
			}
		}
		throw new AssertionError("no container port " + nameOrNumber + " in " + deployment);
	}

	private static Map<String, Object> deployment(String name) {
		return resource("Deployment", name);
	}

	private static List<Map<String, Object>> resources(String kind) {
		return resources.stream().filter((r) -> kind.equals(r.get("kind"))).toList();
	}

	private static Map<String, Object> resource(String kind, String name) {
		return resources.stream()
			.filter((r) -> kind.equals(r.get("kind")) && name.equals(map(r.get("metadata")).get("name")))
			.findFirst()
			.orElseThrow(() -> new AssertionError("no " + kind + " named " + name + " in " + K8S.toAbsolutePath()));
	}

	private static Map<String, Object> podSpec(Map<String, Object> deployment) {
		return map(map(map(deployment.get("spec")).get("template")).get("spec"));
	}

	private static Map<String, String> podLabels(Map<String, Object> deployment) {
		return stringMap(map(map(map(deployment.get("spec")).get("template")).get("metadata")).get("labels"));
	}

	private static Map<String, Object> container(Map<String, Object> deployment) {
		return map(list(podSpec(deployment).get("containers")).get(0));
	}

	@SuppressWarnings("unchecked")
	private static Map<String, Object> map(Object value) {
		assertThat(value).isInstanceOf(Map.class);
		return (Map<String, Object>) value;
	}

	@SuppressWarnings("unchecked")
	private static Map<String, String> stringMap(Object value) {
		assertThat(value).isInstanceOf(Map.class);
		return (Map<String, String>) value;
	}

	@SuppressWarnings("unchecked")
	private static List<Object> list(Object value) {
		assertThat(value).isInstanceOf(List.class);
		return (List<Object>) value;
	}

	private static String string(Object value) {
		return String.valueOf(value);
	}

}

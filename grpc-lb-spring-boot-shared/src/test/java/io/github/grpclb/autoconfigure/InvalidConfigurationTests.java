package io.github.grpclb.autoconfigure;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.stream.Stream;

import io.github.grpclb.channel.InvalidTargetException;
import io.github.grpclb.client.GrpcLbClient;
import io.github.grpclb.test.TestContexts;
import io.github.grpclb.test.proto.EchoServiceGrpc;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;

/**
 * Every invalid setting stops startup with a report that names the property and says what to do.
 */
@ExtendWith(OutputCaptureExtension.class)
class InvalidConfigurationTests {

	private static final String ORDERS = "grpc.lb.clients.orders.";

	static Stream<Arguments> invalidSettings() {
		return Stream.of(
				Arguments.of(ORDERS + "target=orders", ORDERS + "target", "port is missing"),
				Arguments.of(ORDERS + "target=orders:http", ORDERS + "target", "not a port number"),
				Arguments.of(ORDERS + "target=orders:70000", ORDERS + "target", "outside 1..65535"),
				Arguments.of(ORDERS + "target=dns:///", ORDERS + "target", "needs a host name"),
				Arguments.of(ORDERS + "target=dns:///orders", ORDERS + "target", "port is missing"),
				Arguments.of(ORDERS + "target=kube://orders:9090", ORDERS + "target", "no name resolver"),
				Arguments.of(ORDERS + "target=orders .svc:9090", ORDERS + "target", "white space"),
				Arguments.of(ORDERS + "target=static://127.0.0.2:9090,127.0.0.3:9090", ORDERS + "target",
						"go in the path"),
				Arguments.of(ORDERS + "target=static:///", ORDERS + "target", "at least one host:port"),
				Arguments.of(ORDERS + "target=dns://127.0.0.1:53/orders.test", ORDERS + "target", "port is missing"),
				Arguments.of(ORDERS + "target=dns://127.0.0.1:53/orders.test:9090," + ORDERS + "resolver.type=grpc",
						ORDERS + "resolver.type", "ignores the DNS server"),
				Arguments.of(ORDERS + "resolver.srv=true," + ORDERS + "resolver.type=grpc", ORDERS + "resolver.type",
						"does not look up SRV"),
				Arguments.of(ORDERS + "resolver.srv=true," + ORDERS + "target=static:///127.0.0.2:1",
						ORDERS + "resolver.srv", "need a dns: target"),
				Arguments.of(ORDERS + "resolver.refresh-interval=0s", ORDERS + "resolver.refresh-interval",
						"positive duration"),
				Arguments.of(ORDERS + "resolver.min-refresh-interval=10ms", ORDERS + "resolver.min-refresh-interval",
						"at least 100ms"),
				Arguments.of(ORDERS + "resolver.min-refresh-interval=1m", ORDERS + "resolver.min-refresh-interval",
						"longer than resolver.refresh-interval"),
				Arguments.of(ORDERS + "resolver.query-timeout=0s", ORDERS + "resolver.query-timeout",
						"positive duration"),
				Arguments.of(ORDERS + "target=static:///127.0.0.2:9090,127.0.0.3", ORDERS + "target",
						"'127.0.0.3': the port is missing"),
				Arguments.of(ORDERS + "target=static:///127.0.0.2:9090,,127.0.0.3:9090", ORDERS + "target",
						"empty entry"),
				Arguments.of(ORDERS + "target=", ORDERS + "target", "needs a target"),
				Arguments.of(ORDERS + "outlier-detection.interval=0s", ORDERS + "outlier-detection.interval",
						"positive duration"),
				Arguments.of(ORDERS + "outlier-detection.max-ejection-percent=150",
						ORDERS + "outlier-detection.max-ejection-percent", "percentage from 1 to 100"),
				Arguments.of(ORDERS + "outlier-detection.failure-percentage.threshold=0",
						ORDERS + "outlier-detection.failure-percentage.threshold", "percentage from 1 to 100"),
				Arguments.of(ORDERS + "outlier-detection.failure-percentage.minimum-hosts=0",
						ORDERS + "outlier-detection.failure-percentage.minimum-hosts", "at least 1"),
				Arguments.of(ORDERS + "outlier-detection.base-ejection-time=10m",
						ORDERS + "outlier-detection.base-ejection-time",
						"longer than grpc.lb.defaults.outlier-detection.max-ejection-time"),
				Arguments.of(ORDERS + "outlier-detection.success-rate.enabled=true," + ORDERS
						+ "outlier-detection.success-rate.stdev-factor=0",
						ORDERS + "outlier-detection.success-rate.stdev-factor", "greater than 0"),
				Arguments.of(ORDERS + "outlier-detection.failure-percentage.enabled=false",
						ORDERS + "outlier-detection.failure-percentage.enabled", "never eject"),
				Arguments.of(ORDERS + "methods[0].name=orders OrderService", ORDERS + "methods[0].name",
						"not a gRPC service or method name"),
				Arguments.of(ORDERS + "methods[0].name=orders.OrderService/Get/Order", ORDERS + "methods[0].name",
						"not a gRPC service or method name"),
				Arguments.of(ORDERS + "methods[0].name=orders.A," + ORDERS + "methods[1].name=orders.A",
						ORDERS + "methods[1].name", "listed twice"),
				Arguments.of(ORDERS + "methods[0].name=orders.A/B," + ORDERS + "methods[0].deadline=0s",
						ORDERS + "methods[0].deadline", "positive duration"),
				Arguments.of(ORDERS + "methods[0].name=orders.A/B," + ORDERS + "methods[0].hedging.max-attempts=2,"
						+ ORDERS + "methods[0].hedging.delay=50ms", ORDERS + "methods[0].hedging.max-attempts",
						"idempotent"),
				Arguments.of(ORDERS + "methods[0].name=orders.A/B," + ORDERS + "methods[0].idempotent=true," + ORDERS
						+ "methods[0].hedging.max-attempts=2," + ORDERS + "methods[0].retry.max-attempts=4",
						ORDERS + "methods[0].hedging.max-attempts", "either retried or hedged"),
				Arguments.of(ORDERS + "methods[0].name=orders.A/B," + ORDERS + "methods[0].idempotent=true," + ORDERS
						+ "methods[0].hedging.max-attempts=9," + ORDERS + "methods[0].hedging.delay=50ms",
						ORDERS + "methods[0].hedging.max-attempts", "between 2 and 5"),
				Arguments.of(ORDERS + "methods[0].name=orders.A/B," + ORDERS + "methods[0].idempotent=true," + ORDERS
						+ "methods[0].hedging.max-attempts=2", ORDERS + "methods[0].hedging.delay", "delay"),
				Arguments.of(ORDERS + "methods[0].name=orders.A," + ORDERS + "methods[0].retry.initial-backoff=3s",
						ORDERS + "methods[0].retry.initial-backoff", "longer than"),
				Arguments.of(ORDERS + "methods[0].name=orders.A," + ORDERS + "methods[0].retry.max-attempts=7",
						ORDERS + "methods[0].retry.max-attempts", "between 2 and 5"),
				Arguments.of(ORDERS + "retry.throttling.max-tokens=0", ORDERS + "retry.throttling.max-tokens",
						"between 1 and 1000"),
				Arguments.of(ORDERS + "retry.throttling.token-ratio=1.5", ORDERS + "retry.throttling.token-ratio",
						"at most 1"),
				Arguments.of(ORDERS + "policy=round_robbin", ORDERS + "policy", "no load-balancing policy"),
				Arguments.of("grpc.lb.defaults.policy=weighted_nonsense", "grpc.lb.defaults.policy",
						"no load-balancing policy"),
				Arguments.of(ORDERS + "keepalive-time=0s", ORDERS + "keepalive-time", "positive duration"),
				Arguments.of(ORDERS + "keepalive-time=5s", ORDERS + "keepalive-time", "every 10s"),
				Arguments.of(ORDERS + "keepalive-timeout=-1s", ORDERS + "keepalive-timeout", "positive duration"),
				Arguments.of(ORDERS + "connect-timeout=0ms", ORDERS + "connect-timeout", "positive duration"),
				Arguments.of(ORDERS + "idle-timeout=0s", ORDERS + "idle-timeout", "positive duration"),
				Arguments.of(ORDERS + "deadline=-2s", ORDERS + "deadline", "positive duration"),
				Arguments.of("grpc.lb.defaults.deadline=0s", "grpc.lb.defaults.deadline", "positive duration"),
				Arguments.of("grpc.lb.shutdown-timeout=0s", "grpc.lb.shutdown-timeout", "positive duration"),
				Arguments.of("grpc.lb.pooling.enabled=flase", "grpc.lb.pooling.enabled", "neither true nor false"),
				Arguments.of("grpc.lb.pooling.enabled=", "grpc.lb.pooling.enabled", "neither true nor false"),
				Arguments.of(ORDERS + "retry.initial-backoff=0s", ORDERS + "retry.initial-backoff",
						"positive duration"),
				Arguments.of(ORDERS + "retry.max-backoff=-1s", ORDERS + "retry.max-backoff", "positive duration"),
				Arguments.of(ORDERS + "retry.max-attempts=1", ORDERS + "retry.max-attempts", "between 2 and 5"),
				Arguments.of(ORDERS + "retry.max-attempts=6", ORDERS + "retry.max-attempts", "between 2 and 5"),
				Arguments.of(ORDERS + "retry.backoff-multiplier=0", ORDERS + "retry.backoff-multiplier",
						"greater than 0"),
				Arguments.of(ORDERS + "retry.retryable-status-codes=UNAVAILABLE,NOT_A_CODE",
						ORDERS + "retry.retryable-status-codes", "NOT_A_CODE"),
				Arguments.of(ORDERS + "retry.retryable-status-codes=OK", ORDERS + "retry.retryable-status-codes",
						"not a retryable"),
				Arguments.of(ORDERS + "max-inbound-message-size=0", ORDERS + "max-inbound-message-size",
						"more than 0"),
				Arguments.of(ORDERS + "negotiation=tls," + ORDERS + "tls.certificate-chain=classpath:test-hosts",
						ORDERS + "tls.private-key", "both a certificate chain and a private key"),
				Arguments.of(ORDERS + "negotiation=tls," + ORDERS + "tls.trust-cert-collection=file:/no/such/ca.pem",
						ORDERS + "tls.trust-cert-collection", "cannot be read"),
				Arguments.of(ORDERS + "retry.initial-backoff=2s", ORDERS + "retry.initial-backoff",
						"longer than grpc.lb.defaults.retry.max-backoff (PT1S)"),
				Arguments.of("grpc.lb.defaults.retry.max-backoff=50ms", "grpc.lb.defaults.retry.initial-backoff",
						"longer than grpc.lb.defaults.retry.max-backoff (PT0.05S)"),
				Arguments.of("grpc.lb.defaults.retry.initial-backoff=3s,grpc.lb.defaults.retry.max-backoff=5s," + ORDERS
								+ "retry.max-backoff=2s",
						"grpc.lb.defaults.retry.initial-backoff", "longer than " + ORDERS + "retry.max-backoff"),
				Arguments.of(ORDERS + "policy=outlier_detection_experimental", ORDERS + "policy",
						"No child LB config specified"),
				Arguments.of("grpc.lb.defaults.policy=random_subsetting_experimental", "grpc.lb.defaults.policy",
						"Subset size missing"));
	}

	/** tls.* keys on a client whose negotiation is plaintext: ignored, the traffic would go out unencrypted. */
	static Stream<Arguments> tlsKeysWithPlaintext() {
		String ca = "tls.trust-cert-collection=classpath:certs/ca.pem";
		return Stream.of(Arguments.of(ORDERS + ca, ORDERS + "tls.trust-cert-collection", ORDERS + "negotiation"),
				Arguments.of(ORDERS + "tls.authority-override=orders.test", ORDERS + "tls.authority-override",
						ORDERS + "negotiation"),
				Arguments.of(ORDERS + "tls.certificate-chain=classpath:certs/client.pem," + ORDERS
						+ "tls.private-key=classpath:certs/client.key", ORDERS + "tls.certificate-chain",
						ORDERS + "negotiation"),
				Arguments.of(ORDERS + "tls.private-key=classpath:certs/client.key", ORDERS + "tls.private-key",
						ORDERS + "negotiation"),
				Arguments.of(ORDERS + "negotiation=plaintext," + ORDERS + ca, ORDERS + "tls.trust-cert-collection",
						ORDERS + "negotiation"),
				// In the defaults alone: net.devh channels without a client entry use them as they are.
				Arguments.of("grpc.lb.defaults." + ca, "grpc.lb.defaults.tls.trust-cert-collection",
						"grpc.lb.defaults.negotiation"),
				// The client's own key is not excused by its own plaintext choice, whatever the defaults say.
				Arguments.of("grpc.lb.defaults.negotiation=tls,grpc.lb.defaults." + ca + "," + ORDERS
						+ "negotiation=plaintext," + ORDERS + "tls.authority-override=orders.test",
						ORDERS + "tls.authority-override", ORDERS + "negotiation"),
				// A client key under plaintext defaults: the fix is the client's negotiation.
				Arguments.of("grpc.lb.defaults.negotiation=plaintext," + ORDERS + ca,
						ORDERS + "tls.trust-cert-collection", ORDERS + "negotiation"));
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("tlsKeysWithPlaintext")
	void whenATlsKeyIsSetOnAPlaintextClientThenStartupFailsNamingTheKey(String setting, String property,
			String negotiation) {
		TestContexts.runner()
			.withPropertyValues("grpc.lb.clients.orders.target=orders.test:9090")
			.withPropertyValues(setting.split(",(?=grpc)"))
			.run((context) -> {
				assertThat(context).hasFailed();
				FailureAnalysis analysis = new GrpcLbConfigurationFailureAnalyzer().analyze(context.getStartupFailure());
				assertThat(analysis).as("failure analysis of %s", context.getStartupFailure()).isNotNull();
				assertThat(analysis.getDescription()).contains("Property: " + property)
					.contains("plaintext")
					.contains("unencrypted");
				assertThat(analysis.getAction()).contains("Set " + negotiation + "=tls").contains("remove " + property);
			});
	}

	@Test
	void whenTlsDefaultsAreSetAndAClientChoosesPlaintextItselfThenItStartsWithoutTls() {
		// The defaults' tls.* keys belong to the defaults' negotiation: a client that opts out keeps no TLS.
		TestContexts.runner()
			.withPropertyValues("grpc.lb.defaults.negotiation=tls",
					"grpc.lb.defaults.tls.trust-cert-collection=classpath:certs/ca.pem",
					"grpc.lb.clients.orders.target=orders.test:9090", "grpc.lb.clients.orders.negotiation=plaintext",
					"grpc.lb.clients.billing.target=billing.test:9090")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				ClientSettingsResolver settings = context.getBean(ClientSettingsResolver.class);
				assertThat(settings.forClient("orders").tls()).isNull();
				assertThat(settings.forClient("billing").tls()).isNotNull();
			});
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("invalidSettings")
	void whenASettingIsInvalidThenStartupFailsNamingTheProperty(String setting, String property, String reason) {
		TestContexts.runner()
			.withPropertyValues("grpc.lb.clients.orders.target=orders.test:9090")
			.withPropertyValues(setting.split(",(?=grpc)"))
			.run((context) -> {
				assertThat(context).hasFailed();
				FailureAnalysis analysis = new GrpcLbConfigurationFailureAnalyzer().analyze(context.getStartupFailure());
				assertThat(analysis).as("failure analysis of %s", context.getStartupFailure()).isNotNull();
				assertThat(analysis.getDescription()).contains(property).contains(reason);
				assertThat(analysis.getAction()).isNotBlank();
			});
	}

	@Test
	void whenNoClientIsConfiguredThenInvalidDefaultsStillFailStartup() {
		assertAnalysisOf("grpc.lb.defaults.retry.max-attempts=9", "grpc.lb.defaults.retry.max-attempts");
	}

	@Test
	void whenAValueCannotBeConvertedThenBootsBindingReportNamesTheProperty(CapturedOutput output) {
		assertStartupFails("--grpc.lb.clients.orders.negotiation=ssl");
		assertThat(output).contains("APPLICATION FAILED TO START").contains("grpc.lb.clients.orders.negotiation");
	}

	@Test
	void whenAClientHasSettingsButNoTargetThenStartupFailsNamingItsTarget() {
		assertAnalysisOf("grpc.lb.clients.inventory.deadline=2s", "grpc.lb.clients.inventory.target");
	}

	@ParameterizedTest
	@ValueSource(classes = { UsesUnknownClient.class, UsesUnknownClientThroughComposedAnnotation.class })
	void whenGrpcLbClientNamesAnUnconfiguredClientThenStartupFailsNamingItsTarget(Class<?> user) {
		TestContexts.runner()
			.withPropertyValues("grpc.lb.clients.orders.target=orders.test:9090")
			.withBean(user)
			.run((context) -> {
				assertThat(context).hasFailed();
				FailureAnalysis analysis = new GrpcLbConfigurationFailureAnalyzer()
					.analyze(context.getStartupFailure());
				assertThat(analysis.getDescription()).contains("grpc.lb.clients.inventory.target")
					.contains("@GrpcLbClient(\"inventory\")");
				assertThat(analysis.getAction()).contains("grpc.lb.clients.inventory.target=dns:///")
					.contains("[orders]");
			});
	}

	@Test
	void whenGrpcJavaWouldRefuseATargetThenStartupFailsBeforeAnyChannelIsBuilt() {
		// Registered scheme, and java.net.URI accepts it, but grpc-java's RFC 3986 parser rejects the comma.
		assertAnalysisOf("grpc.lb.clients.orders.target=dns://127.0.0.2:53,127.0.0.3:53/orders.test:9090",
				"Property: grpc.lb.clients.orders.target", "grpc-java's URI parser rejects it");
	}

	@Test
	void whenGrpcJavaRefusesATargetWhileBuildingTheChannelThenTheAnalysisNamesTheTargetProperty() {
		FailureAnalysis analysis = new InvalidTargetFailureAnalyzer().analyze(new IllegalStateException("wrapper",
				new InvalidTargetException("orders", "odd:///x", new IllegalArgumentException("no resolver"))));
		assertThat(analysis.getDescription()).contains("Property: grpc.lb.clients.orders.target")
			.contains("'odd:///x'")
			.contains("no resolver");
		assertThat(analysis.getAction()).contains("grpc.lb.clients.orders.target");
	}

	@Test
	void whenTheApplicationFailsToStartThenBootPrintsTheAnalysis(CapturedOutput output) {
		assertStartupFails("--grpc.lb.clients.orders.policy=roundrobin");
		assertThat(output).contains("APPLICATION FAILED TO START")
			.contains("Property: grpc.lb.clients.orders.policy")
			.contains("Value:    'roundrobin'")
			.contains("Set grpc.lb.clients.orders.policy to round_robin");
	}

	/** Run a real SpringApplication (failure analyzers from spring.factories) with a valid client plus {@code arg}. */
	private static void assertStartupFails(String arg) {
		SpringApplication application = new SpringApplication(App.class);
		application.setWebApplicationType(WebApplicationType.NONE);
		assertThatException()
			.isThrownBy(() -> application.run("--grpc.lb.clients.orders.target=orders.test:9090", arg));
	}

	/** The failure analysis of a context started with these properties (and no other client). */
	private static void assertAnalysisOf(String property, String... expected) {
		TestContexts.runner().withPropertyValues(property).run((context) -> {
			assertThat(context).hasFailed();
			FailureAnalysis analysis = new GrpcLbConfigurationFailureAnalyzer().analyze(context.getStartupFailure());
			assertThat(analysis).as("failure analysis of %s", context.getStartupFailure()).isNotNull();
			assertThat(analysis.getDescription()).contains(expected);
		});
	}

	static class UsesUnknownClient {

		@GrpcLbClient("inventory")
		EchoServiceGrpc.EchoServiceBlockingStub stub;

	}

	@Target(ElementType.PARAMETER)
	@Retention(RetentionPolicy.RUNTIME)
	@GrpcLbClient("inventory")
	@interface Inventory {

	}

	static class UsesUnknownClientThroughComposedAnnotation {

		UsesUnknownClientThroughComposedAnnotation(@Inventory EchoServiceGrpc.EchoServiceBlockingStub stub) {
		}

	}

	@Configuration(proxyBeanMethods = false)
	@Import(TestContexts.ClientAutoConfigurations.class)
	static class App {

	}

	@Test
	void whenFabric8IsMissingThenStartupFailsNamingTheTargetAndTheDependencies() {
		TestContexts.runner()
			.withClassLoader(new FilteredClassLoader("io.fabric8"))
			.withPropertyValues("grpc.lb.clients.orders.target=" + "kubernetes:///orders.shop:grpc")
			.run((context) -> {
				assertThat(context).hasFailed();
				FailureAnalysis analysis = new GrpcLbConfigurationFailureAnalyzer().analyze(context.getStartupFailure());
				assertThat(analysis).as("failure analysis of %s", context.getStartupFailure()).isNotNull();
				assertThat(analysis.getDescription()).contains("Property: grpc.lb.clients.orders.target")
					.contains("fabric8's Kubernetes client, which is not on the class path");
				assertThat(analysis.getAction()).contains("io.fabric8:kubernetes-client-api, "
						+ "io.fabric8:kubernetes-client (excluding io.fabric8:kubernetes-httpclient-vertx) and "
						+ "io.fabric8:kubernetes-httpclient-jdk, version 7.9.0");
			});
	}

	@Test
	void whenTheZoneSettingsAreInvalidThenStartupFailsNamingTheProperty() {
		TestContexts.runner()
			.withPropertyValues("grpc.lb.clients.orders.target=" + "kubernetes:///orders.shop:grpc",
					"grpc.lb.clients.orders.kubernetes.min-same-zone-endpoints=0")
			.run((context) -> {
				assertThat(context).hasFailed();
				FailureAnalysis analysis = new GrpcLbConfigurationFailureAnalyzer().analyze(context.getStartupFailure());
				assertThat(analysis.getDescription())
					.contains("Property: grpc.lb.clients.orders.kubernetes.min-same-zone-endpoints");
			});
	}

}

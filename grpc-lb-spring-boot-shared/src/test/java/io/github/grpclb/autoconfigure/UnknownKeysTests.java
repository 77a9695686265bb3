package io.github.grpclb.autoconfigure;

import java.util.Map;

import io.github.grpclb.test.TestContexts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.core.env.SystemEnvironmentPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A key under {@code grpc.lb.clients.<name>} or {@code grpc.lb.defaults} that no setting has stops startup, naming
 * the nearest valid key; every valid key, in every form Spring Boot binds, is accepted.
 */
@ExtendWith(OutputCaptureExtension.class)
class UnknownKeysTests {

	private static ApplicationContextRunner runner() {
		return TestContexts.runner().withPropertyValues("grpc.lb.clients.orders.target=orders.test:9090");
	}

	@Test
	void aKeyInTheWrongPlaceFailsStartupNamingWhereItBelongs() {
		assertFails(runner().withPropertyValues("grpc.lb.clients.orders.refresh-interval=5s"),
				"grpc.lb.clients.orders.refresh-interval", "did you mean 'resolver.refresh-interval'?");
	}

	@Test
	void aMisspelledDefaultFailsStartupNamingTheNearestKey() {
		assertFails(runner().withPropertyValues("grpc.lb.defaults.retry.max-attemps=2"),
				"grpc.lb.defaults.retry.max-attemps", "did you mean 'retry.max-attempts'?");
	}

	@Test
	void aKeyFromAnEnvironmentVariableIsCheckedToo() {
		assertFails(runner().withInitializer((context) -> context.getEnvironment()
			.getPropertySources()
			.addFirst(new SystemEnvironmentPropertySource("test-systemEnvironment",
					Map.of("GRPC_LB_CLIENTS_ORDERS_REFRESHINTERVAL", "5s")))),
				"grpc.lb.clients.orders.refreshinterval", "did you mean");
	}

	@Test
	void everyKindOfValidKeyIsAccepted() {
		runner()
			.withPropertyValues("grpc.lb.defaults.resolver.refresh-interval=10s", "grpc.lb.defaults.deadline=2s",
					"grpc.lb.clients.orders.retry.retryable-status-codes[0]=UNAVAILABLE",
					"grpc.lb.clients.orders.retry.retryable-status-codes[1]=RESOURCE_EXHAUSTED",
					"grpc.lb.clients.orders.retry.throttling.token-ratio=0.5",
					"grpc.lb.clients.orders.methods[0].name=orders.OrderService/GetOrder",
					"grpc.lb.clients.orders.methods[0].idempotent=true",
					"grpc.lb.clients.orders.methods[1].name=orders.OrderService/PlaceOrder",
					"grpc.lb.clients.orders.methods[1].retry.max-attempts=2",
					"grpc.lb.clients.orders.methods[0].hedging.max-attempts=2",
					"grpc.lb.clients.orders.methods[0].hedging.delay=100ms",
					"grpc.lb.clients.orders.outlier-detection.success-rate.stdev-factor=2",
					"grpc.lb.clients.orders.healthCheck.serviceName=orders",
					"grpc.lb.clients.orders.max-inbound-message-size=8MB")
			.withInitializer((context) -> context.getEnvironment()
				.getPropertySources()
				.addFirst(new SystemEnvironmentPropertySource("test-systemEnvironment",
						Map.of("GRPC_LB_CLIENTS_ORDERS_RETRY_MAX_ATTEMPTS", "4", "GRPC_LB_CLIENTS_ORDERS_CONNECTTIMEOUT",
								"2s", "GRPC_LB_DEFAULTS_KEEPALIVE_TIME", "20s"))))
			.run((context) -> assertThat(context).hasNotFailed());
	}

	@Test
	void whenUnknownKeysAreOnlyToBeLoggedThenStartupGoesOnWithAWarning(CapturedOutput output) {
		runner().withPropertyValues("grpc.lb.fail-on-unknown-keys=false", "grpc.lb.clients.orders.polcy=pick_first")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(output).contains("Unknown configuration property 'grpc.lb.clients.orders.polcy'")
					.contains("did you mean 'policy'?");
			});
	}

	private static void assertFails(ApplicationContextRunner runner, String property, String hint) {
		runner.run((context) -> {
			assertThat(context).hasFailed();
			FailureAnalysis analysis = new GrpcLbConfigurationFailureAnalyzer().analyze(context.getStartupFailure());
			assertThat(analysis).as("failure analysis of %s", context.getStartupFailure()).isNotNull();
			assertThat(analysis.getDescription()).contains("Property: " + property)
				.contains("no setting has this name")
				.doesNotContain("5s");
			assertThat(analysis.getAction()).contains(hint).contains("grpc.lb.fail-on-unknown-keys=false");
		});
	}

}

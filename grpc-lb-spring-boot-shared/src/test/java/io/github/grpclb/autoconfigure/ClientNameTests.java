package io.github.grpclb.autoconfigure;

import java.util.Map;

import io.github.grpclb.test.TestContexts;
import org.junit.jupiter.api.Test;

import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Client names as people write them in YAML: camelCase, dashed, from environment variables.
 */
class ClientNameTests {

	@Test
	void whenClientNamesAreCamelCaseOrDashedThenTheirOwnSettingsApply() {
		TestContexts.runner()
			.withPropertyValues("grpc.lb.clients.orderService.target=orders.test:9090",
					"grpc.lb.clients.orderService.deadline=3s", "grpc.lb.clients.payment-api.target=payments.test:9090",
					"grpc.lb.clients.payment-api.policy=pick_first")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				ClientSettingsResolver resolver = context.getBean(ClientSettingsResolver.class);
				assertThat(resolver.forClient("orderService").deadline()).hasSeconds(3);
				assertThat(resolver.forClient("payment-api").policy()).isEqualTo("pick_first");
			});
	}

	@Test
	void whenAClientIsConfiguredThroughEnvironmentVariablesThenItsSettingsApply() {
		TestContexts.runner()
			.withInitializer((context) -> context.getEnvironment()
				.getPropertySources()
				.replace(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, new SystemEnvironmentPropertySource(
						StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
						Map.of("GRPC_LB_CLIENTS_INVENTORY_TARGET", "inventory.test:7000",
								"GRPC_LB_CLIENTS_INVENTORY_RETRY_MAXATTEMPTS", "5"))))
			.run((context) -> {
				ClientSettingsResolver resolver = context.getBean(ClientSettingsResolver.class);
				assertThat(resolver.forClient("inventory").target()).isEqualTo("dns:///inventory.test:7000");
				assertThat(resolver.forClient("inventory").retry().maxAttempts()).isEqualTo(5);
			});
	}

}

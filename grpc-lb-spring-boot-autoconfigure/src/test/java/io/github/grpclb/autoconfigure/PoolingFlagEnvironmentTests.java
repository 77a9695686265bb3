package io.github.grpclb.autoconfigure;

import java.util.HashMap;
import java.util.Map;

import io.github.grpclb.channel.DialPerRequestChannelRegistry;
import io.github.grpclb.channel.GrpcLbChannelRegistry;
import io.github.grpclb.channel.PooledChannelRegistry;
import net.devh.boot.grpc.client.autoconfigure.GrpcClientAutoConfiguration;
import org.junit.jupiter.api.Test;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.MutablePropertySources;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The pooling flag as operators set it: environment variables, including the legacy name, through a real
 * {@link SpringApplication} (so the environment post-processor from {@code spring.factories} runs).
 */
class PoolingFlagEnvironmentTests {

	@Test
	void whenNoVariableIsSetThenChannelsArePooled() {
		assertThat(registryWith(Map.of())).isEqualTo(PooledChannelRegistry.class);
	}

	@Test
	void whenGrpcLbPoolingEnabledIsFalseThenEachCallDials() {
		assertThat(registryWith(Map.of("GRPC_LB_POOLING_ENABLED", "false")))
			.isEqualTo(DialPerRequestChannelRegistry.class);
	}

	@Test
	void whenTheLegacyVariableIsFalseThenEachCallDials() {
		assertThat(registryWith(Map.of("GRPC_CONNECTION_POOLING_ENABLED", "false")))
			.isEqualTo(DialPerRequestChannelRegistry.class);
	}

	@Test
	void whenBothVariablesAreSetThenTheNewNameWins() {
		assertThat(registryWith(Map.of("GRPC_CONNECTION_POOLING_ENABLED", "false", "GRPC_LB_POOLING_ENABLED", "true")))
			.isEqualTo(PooledChannelRegistry.class);
	}

	@Test
	void whenTheLegacyVariableIsSetButApplicationPropertiesSayOtherwiseThenThePropertyWins() {
		assertThat(registryWith(Map.of("GRPC_CONNECTION_POOLING_ENABLED", "false"), "--grpc.lb.pooling.enabled=true"))
			.isEqualTo(PooledChannelRegistry.class);
	}

	private static Class<? extends GrpcLbChannelRegistry> registryWith(Map<String, Object> variables, String... args) {
		SpringApplication application = new SpringApplication(App.class);
		application.setWebApplicationType(WebApplicationType.NONE);
		application.setEnvironment(new FakeSystemEnvironment(variables));
		String[] allArgs = new String[args.length + 1];
		allArgs[0] = "--grpc.lb.clients.orders.target=orders.test:9090";
		System.arraycopy(args, 0, allArgs, 1, args.length);
		try (ConfigurableApplicationContext context = application.run(allArgs)) {
			return context.getBean(GrpcLbChannelRegistry.class).getClass();
		}
	}

	/** A standard environment whose "system environment" is the given map, as the OS would pass it. */
	static final class FakeSystemEnvironment extends StandardEnvironment {

		FakeSystemEnvironment(Map<String, Object> variables) {
			MutablePropertySources sources = getPropertySources();
			sources.replace(SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
					new SystemEnvironmentPropertySource(SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
							new HashMap<>(variables)));
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ImportAutoConfiguration({ GrpcClientAutoConfiguration.class, GrpcLbAutoConfiguration.class })
	static class App {

	}

}

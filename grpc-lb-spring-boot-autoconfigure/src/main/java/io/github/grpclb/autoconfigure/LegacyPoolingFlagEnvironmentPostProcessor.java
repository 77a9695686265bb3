package io.github.grpclb.autoconfigure;

import java.util.Map;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.env.EnvironmentPostProcessor;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Honours the legacy environment variable {@code GRPC_CONNECTION_POOLING_ENABLED} as an alias of
 * {@code grpc.lb.pooling.enabled} (which also answers to {@code GRPC_LB_POOLING_ENABLED}). The new name wins when
 * both are set.
 */
class LegacyPoolingFlagEnvironmentPostProcessor implements EnvironmentPostProcessor, Ordered {

	static final String LEGACY_VARIABLE = "GRPC_CONNECTION_POOLING_ENABLED";

	static final String PROPERTY = GrpcLbAutoConfiguration.POOLING_PREFIX + ".enabled";

	static final String SOURCE_NAME = "grpcLbLegacyPoolingFlag";

	@Override
	public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
		String legacy = environment.getProperty(LEGACY_VARIABLE);
		if (legacy == null) {
			// Relaxed form, e.g. grpc.connection.pooling.enabled in a properties file.
			legacy = environment.getProperty("grpc.connection.pooling.enabled");
		}
		if (legacy == null || environment.containsProperty(PROPERTY)) {
			return;
		}
		environment.getPropertySources().addLast(new MapPropertySource(SOURCE_NAME, Map.of(PROPERTY, legacy.trim())));
	}

	@Override
	public int getOrder() {
		// After application.yml and friends are loaded, so that an explicit grpc.lb.pooling.enabled wins.
		return Ordered.LOWEST_PRECEDENCE;
	}

}

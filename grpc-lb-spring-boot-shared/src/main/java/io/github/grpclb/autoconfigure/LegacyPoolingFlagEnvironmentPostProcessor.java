package io.github.grpclb.autoconfigure;

import java.util.Map;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.env.EnvironmentPostProcessor;
import org.springframework.boot.env.OriginTrackedMapPropertySource;
import org.springframework.boot.origin.Origin;
import org.springframework.boot.origin.OriginTrackedValue;
import org.springframework.boot.origin.PropertySourceOrigin;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.PropertySource;

/**
 * Honours the legacy environment variable {@code GRPC_CONNECTION_POOLING_ENABLED} as an alias of
 * {@code grpc.lb.pooling.enabled} (which also answers to {@code GRPC_LB_POOLING_ENABLED}). The new name wins when
 * both are set. The value is copied as it is, with the origin of the legacy variable, so that {@link OnFlagCondition}
 * reads every boolean form and names the legacy variable when the value is not a boolean.
 */
class LegacyPoolingFlagEnvironmentPostProcessor implements EnvironmentPostProcessor, Ordered {

	static final String LEGACY_VARIABLE = "GRPC_CONNECTION_POOLING_ENABLED";

	/** Relaxed form of the legacy name, e.g. grpc.connection.pooling.enabled in a properties file. */
	private static final ConfigurationPropertyName LEGACY_NAME = ConfigurationPropertyName
		.of("grpc.connection.pooling.enabled");

	static final String SOURCE_NAME = "grpcLbLegacyPoolingFlag";

	@Override
	public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
		if (environment.containsProperty(GrpcLbClientConfiguration.POOLING_FLAG)) {
			return;
		}
		OriginTrackedValue legacy = exactVariable(environment);
		if (legacy == null) {
			legacy = relaxedName(environment);
		}
		if (legacy != null) {
			environment.getPropertySources()
				.addLast(new OriginTrackedMapPropertySource(SOURCE_NAME, Map.of(GrpcLbClientConfiguration.POOLING_FLAG, legacy)));
		}
	}

	/** The variable under its exact name, from the first property source that has it. */
	private static OriginTrackedValue exactVariable(ConfigurableEnvironment environment) {
		for (PropertySource<?> source : environment.getPropertySources()) {
			if (!ConfigurationPropertySources.isAttachedConfigurationPropertySource(source)
					&& source.containsProperty(LEGACY_VARIABLE)) {
				Object value = source.getProperty(LEGACY_VARIABLE);
				Origin origin = PropertySourceOrigin.get(source, LEGACY_VARIABLE);
				return (value != null) ? OriginTrackedValue.of(value.toString(), origin) : null;
			}
		}
		return null;
	}

	private static OriginTrackedValue relaxedName(ConfigurableEnvironment environment) {
		for (ConfigurationPropertySource source : ConfigurationPropertySources.get(environment)) {
			ConfigurationProperty property = source.getConfigurationProperty(LEGACY_NAME);
			if (property != null && property.getValue() != null) {
				return OriginTrackedValue.of(property.getValue().toString(), property.getOrigin());
			}
		}
		return null;
	}

	@Override
	public int getOrder() {
		// After application.yml and friends are loaded, so that an explicit grpc.lb.pooling.enabled wins.
		return Ordered.LOWEST_PRECEDENCE;
	}

}

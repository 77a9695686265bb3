package io.github.grpclb.autoconfigure;

import org.springframework.boot.autoconfigure.condition.ConditionMessage;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.BindResult;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.env.Environment;
import org.springframework.core.env.PropertySource;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * Matches on {@code grpc.lb.pooling.enabled} read as Spring binds a boolean: true/on/yes/1 and false/off/no/0, in
 * any case, with surrounding white space. {@code @ConditionalOnProperty(havingValue = …)} compares the raw text with
 * "true"/"false" only, so {@code 0} or {@code off} matched neither configuration and left the application without a
 * channel registry.
 * <p>
 * Anything else fails startup right here, naming the property source that set it. Reading an invalid value as
 * "pooled" would silently ignore an operator's rollback, and the properties binding that would otherwise report it
 * only names the property, not the fix. The exception thrown here is wrapped by Spring, and
 * {@link GrpcLbConfigurationFailureAnalyzer} finds it in the cause chain.
 */
abstract class PoolingCondition extends SpringBootCondition {

	static final String PROPERTY = GrpcLbAutoConfiguration.POOLING_PREFIX + ".enabled";

	private static final ConfigurationPropertyName NAME = ConfigurationPropertyName.of(PROPERTY);

	private final boolean pooled;

	PoolingCondition(boolean pooled) {
		this.pooled = pooled;
	}

	@Override
	public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
		boolean enabled = poolingEnabled(context.getEnvironment());
		ConditionMessage message = ConditionMessage.forCondition("gRPC channel pooling")
			.because(PROPERTY + " is " + enabled);
		return new ConditionOutcome(enabled == this.pooled, message);
	}

	/**
	 * The pooling flag as the environment sets it.
	 * @param environment the environment
	 * @return whether channels are pooled ({@code true} when the flag is not set)
	 * @throws GrpcLbConfigurationException when the flag is set to something that is not a boolean, or to nothing
	 */
	static boolean poolingEnabled(Environment environment) {
		ConfigurationProperty property = find(environment);
		if (property == null) {
			return true;
		}
		try {
			BindResult<Boolean> bound = Binder.get(environment).bind(NAME, Bindable.of(Boolean.class));
			// An empty or blank value converts to null: set, but to nothing.
			if (bound.isBound()) {
				return bound.get();
			}
		}
		catch (BindException ex) {
			// Not a boolean: reported below, with the origin of the value.
		}
		throw invalid(property);
	}

	/** The value that wins, as the binder sees it, with its origin. */
	private static ConfigurationProperty find(Environment environment) {
		for (ConfigurationPropertySource source : ConfigurationPropertySources.get(environment)) {
			ConfigurationProperty property = source.getConfigurationProperty(NAME);
			if (property != null) {
				return property;
			}
		}
		return null;
	}

	private static GrpcLbConfigurationException invalid(ConfigurationProperty property) {
		String origin = (property.getOrigin() != null) ? property.getOrigin().toString() : "an unknown property source";
		boolean legacy = property.getSource() != null
				&& property.getSource().getUnderlyingSource() instanceof PropertySource<?> source
				&& LegacyPoolingFlagEnvironmentPostProcessor.SOURCE_NAME.equals(source.getName());
		String setBy = legacy ? origin + ", the legacy alias of " + PROPERTY : origin;
		// An unquoted 0 or 1 in YAML is a number, which Spring converts to no boolean property.
		String number = (property.getValue() instanceof Number) ? " In YAML, quote 0 and 1 ('0') or write false."
				: "";
		return new GrpcLbConfigurationException(PROPERTY, String.valueOf(property.getValue()),
				"is neither true nor false (set by " + setBy + "), so it is unclear whether channels are pooled or "
						+ "each call dials its own connection",
				"Use true or false where it is set (" + origin + "): false dials one connection per call (the "
						+ "rollback mode), true or not set at all pools channels. on/off, yes/no and 1/0 work too, "
						+ "in any case." + number);
	}

	/** Matches when channels are pooled: the flag is true or not set. */
	static final class Pooled extends PoolingCondition {

		Pooled() {
			super(true);
		}

	}

	/** Matches when each call dials its own connection: the flag is false. */
	static final class DialPerRequest extends PoolingCondition {

		DialPerRequest() {
			super(false);
		}

	}

}

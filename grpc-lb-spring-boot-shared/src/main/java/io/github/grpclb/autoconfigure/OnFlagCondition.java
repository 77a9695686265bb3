package io.github.grpclb.autoconfigure;

import java.util.Map;

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
 * The condition behind {@link ConditionalOnFlag}. An unset flag counts as {@code true}: every switch of the starter
 * defaults to on.
 * <p>
 * A value that is not a boolean fails startup right here, naming the property source that set it: reading it as
 * either value would silently ignore what an operator meant (a rollback, say). The exception is wrapped by Spring,
 * and {@link GrpcLbConfigurationFailureAnalyzer} finds it in the cause chain.
 */
class OnFlagCondition extends SpringBootCondition {

	@Override
	public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
		Map<String, Object> attributes = metadata.getAnnotationAttributes(ConditionalOnFlag.class.getName());
		String property = (String) attributes.get("value");
		boolean wanted = (Boolean) attributes.get("havingValue");
		boolean value = flag(context.getEnvironment(), property, (String) attributes.get("decides"));
		ConditionMessage message = ConditionMessage.forCondition(ConditionalOnFlag.class, "(" + property + ")")
			.because("it is " + value);
		return new ConditionOutcome(value == wanted, message);
	}

	/**
	 * A flag as the environment sets it.
	 * @param environment the environment
	 * @param property the property name
	 * @param decides what it decides ("whether …"), for the error
	 * @return its value ({@code true} when it is not set)
	 * @throws GrpcLbConfigurationException when it is set to something that is not a boolean, or to nothing
	 */
	static boolean flag(Environment environment, String property, String decides) {
		ConfigurationPropertyName name = ConfigurationPropertyName.of(property);
		ConfigurationProperty found = find(environment, name);
		if (found == null) {
			return true;
		}
		try {
			BindResult<Boolean> bound = Binder.get(environment).bind(name, Bindable.of(Boolean.class));
			// An empty or blank value converts to null: set, but to nothing.
			if (bound.isBound()) {
				return bound.get();
			}
		}
		catch (BindException ex) {
			// Not a boolean: reported below, with the origin of the value.
		}
		throw invalid(property, found, decides);
	}

	/** The value that wins, as the binder sees it, with its origin. */
	private static ConfigurationProperty find(Environment environment, ConfigurationPropertyName name) {
		for (ConfigurationPropertySource source : ConfigurationPropertySources.get(environment)) {
			ConfigurationProperty property = source.getConfigurationProperty(name);
			if (property != null) {
				return property;
			}
		}
		return null;
	}

	private static GrpcLbConfigurationException invalid(String name, ConfigurationProperty property, String decides) {
		String origin = (property.getOrigin() != null) ? property.getOrigin().toString() : "an unknown property source";
		boolean legacy = property.getSource() != null
				&& property.getSource().getUnderlyingSource() instanceof PropertySource<?> source
				&& LegacyPoolingFlagEnvironmentPostProcessor.SOURCE_NAME.equals(source.getName());
		String setBy = legacy ? origin + ", the legacy alias of " + name : origin;
		// An unquoted 0 or 1 in YAML is a number, which Spring converts to no boolean property.
		String number = (property.getValue() instanceof Number) ? " In YAML, quote 0 and 1 ('0') or write false."
				: "";
		return new GrpcLbConfigurationException(name, String.valueOf(property.getValue()),
				"is neither true nor false (set by " + setBy + "), so it is unclear whether " + decides,
				"Use true or false where it is set (" + origin + "); on/off, yes/no and 1/0 work too, in any case, "
						+ "and leaving it unset means true." + number);
	}

}

package io.github.grpclb.autoconfigure;

import java.beans.PropertyDescriptor;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.BeanUtils;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.context.properties.source.IterableConfigurationPropertySource;
import org.springframework.core.env.Environment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

/**
 * Finds keys under {@code grpc.lb.clients.<name>} and {@code grpc.lb.defaults} that no setting has — a typo such as
 * {@code grpc.lb.clients.orders.refresh-interval} (the key is {@code resolver.refresh-interval}) would otherwise be
 * ignored without a word — and names the nearest valid key. Startup fails on the first one unless
 * {@code grpc.lb.fail-on-unknown-keys=false}, which logs a warning per key instead: a setting the application believes
 * it made and that does nothing is a worse surprise than a failed start. Keys from environment variables are compared
 * loosely (their dots and dashes are ambiguous: {@code GRPC_LB_CLIENTS_ORDERS_RETRY_MAX_ATTEMPTS}).
 */
final class UnknownKeys {

	private static final Logger logger = LoggerFactory.getLogger(UnknownKeys.class);

	private static final ConfigurationPropertyName CLIENTS = ConfigurationPropertyName
		.of(GrpcLbProperties.PREFIX + ".clients");

	private static final ConfigurationPropertyName DEFAULTS = ConfigurationPropertyName
		.of(GrpcLbProperties.PREFIX + ".defaults");

	/** Every valid key of a client, relative to it; list indexes written {@code []}. */
	static final Set<String> CLIENT_KEYS = keysOf(GrpcLbProperties.Client.class);

	private UnknownKeys() {
	}

	/**
	 * Check the environment.
	 * @param environment the application's environment
	 * @param fail whether an unknown key fails startup (else: a warning)
	 */
	static void check(Environment environment, boolean fail) {
		for (ConfigurationPropertySource source : ConfigurationPropertySources.get(environment)) {
			if (!(source instanceof IterableConfigurationPropertySource iterable)) {
				continue;
			}
			boolean loose = source.getUnderlyingSource() instanceof SystemEnvironmentPropertySource;
			iterable.stream().forEach((name) -> {
				String relative = relative(name);
				if (relative == null || known(relative, loose)) {
					return;
				}
				ConfigurationProperty property = iterable.getConfigurationProperty(name);
				String origin = (property != null && property.getOrigin() != null) ? " (" + property.getOrigin() + ")"
						: "";
				String nearest = nearest(relative);
				String fix = "Remove it or correct it" + ((nearest != null) ? ": did you mean '" + nearest + "'?" : ".")
						+ " Every key is listed in the README's property table. To only log unknown keys, set "
						+ GrpcLbProperties.PREFIX + ".fail-on-unknown-keys=false.";
				if (fail) {
					throw GrpcLbConfigurationException.unknownKey(name + origin, fix);
				}
				logger.warn("Unknown configuration property '{}'{}: no setting has this name. {}", name, origin, fix);
			});
		}
	}

	/** @return the key relative to its client or to the defaults, or {@code null} for other keys */
	private static String relative(ConfigurationPropertyName name) {
		int from;
		if (CLIENTS.isAncestorOf(name) && name.getNumberOfElements() > CLIENTS.getNumberOfElements() + 1) {
			from = CLIENTS.getNumberOfElements() + 1;
		}
		else if (DEFAULTS.isAncestorOf(name)) {
			from = DEFAULTS.getNumberOfElements();
		}
		else {
			return null;
		}
		StringBuilder key = new StringBuilder();
		for (int i = from; i < name.getNumberOfElements(); i++) {
			if (name.isNumericIndex(i)) {
				key.append("[]");
			}
			else {
				key.append((key.length() > 0) ? "." : "").append(name.getElement(i, ConfigurationPropertyName.Form.DASHED));
			}
		}
		return key.toString();
	}

	private static boolean known(String key, boolean loose) {
		String listFree = key.endsWith("[]") ? key.substring(0, key.length() - 2) : key;
		if (CLIENT_KEYS.contains(key) || CLIENT_KEYS.contains(listFree)) {
			return true;
		}
		// Spring Boot binds names whatever their case and dashes (healthCheck.serviceName). From an environment
		// variable, the client's name and the key may also run together: any split that leaves a valid key will do.
		String compact = compact(listFree);
		for (String valid : CLIENT_KEYS) {
			String validCompact = compact(valid);
			if (compact.equals(validCompact) || (loose && compact.endsWith(validCompact))) {
				return true;
			}
		}
		return false;
	}

	private static String compact(String key) {
		return key.replace(".", "").replace("-", "").replace("[]", "").toLowerCase(Locale.ROOT);
	}

	/** @return the valid key closest to {@code key}: the shortest one ending like it, else the fewest edits away */
	static String nearest(String key) {
		String last = compact(key.substring(key.lastIndexOf('.') + 1));
		String compactKey = compact(key);
		String best = null;
		int bestDistance = Integer.MAX_VALUE;
		for (String valid : CLIENT_KEYS) {
			String compactValid = compact(valid);
			int distance = compactValid.endsWith(last) ? 0 : distance(compactKey, compactValid);
			// On a tie, the shorter key: refresh-interval is resolver.refresh-interval, not min-refresh-interval.
			if (distance < bestDistance || (distance == bestDistance && shorter(valid, best))) {
				best = valid;
				bestDistance = distance;
			}
		}
		return (bestDistance <= Math.max(3, compactKey.length() / 3)) ? best : null;
	}

	private static boolean shorter(String key, String other) {
		return key.length() < other.length() || (key.length() == other.length() && key.compareTo(other) < 0);
	}

	private static int distance(String a, String b) {
		int[] previous = new int[b.length() + 1];
		int[] current = new int[b.length() + 1];
		for (int j = 0; j <= b.length(); j++) {
			previous[j] = j;
		}
		for (int i = 1; i <= a.length(); i++) {
			current[0] = i;
			for (int j = 1; j <= b.length(); j++) {
				int substitution = previous[j - 1] + ((a.charAt(i - 1) == b.charAt(j - 1)) ? 0 : 1);
				current[j] = Math.min(substitution, Math.min(previous[j] + 1, current[j - 1] + 1));
			}
			int[] swap = previous;
			previous = current;
			current = swap;
		}
		return previous[b.length()];
	}

	private static Set<String> keysOf(Class<?> type) {
		Set<String> keys = new TreeSet<>();
		collect(type, "", keys);
		return keys;
	}

	private static void collect(Class<?> type, String prefix, Collection<String> keys) {
		for (PropertyDescriptor descriptor : BeanUtils.getPropertyDescriptors(type)) {
			if (descriptor.getReadMethod() == null || "class".equals(descriptor.getName())) {
				continue;
			}
			String key = prefix + dashed(descriptor.getName());
			Class<?> propertyType = descriptor.getPropertyType();
			if (List.class.isAssignableFrom(propertyType)) {
				Class<?> element = elementType(descriptor.getReadMethod().getGenericReturnType());
				if (nested(element)) {
					collect(element, key + "[].", keys);
				}
				else {
					keys.add(key);
				}
			}
			else if (nested(propertyType)) {
				collect(propertyType, key + ".", keys);
			}
			else {
				keys.add(key);
			}
		}
	}

	private static boolean nested(Class<?> type) {
		return type.getEnclosingClass() == GrpcLbProperties.class && !type.isEnum();
	}

	private static Class<?> elementType(Type type) {
		if (type instanceof ParameterizedType parameterized
				&& parameterized.getActualTypeArguments()[0] instanceof Class<?> element) {
			return element;
		}
		return Object.class;
	}

	private static String dashed(String camel) {
		List<String> parts = new ArrayList<>();
		StringBuilder part = new StringBuilder();
		for (char c : camel.toCharArray()) {
			if (Character.isUpperCase(c) && part.length() > 0) {
				parts.add(part.toString());
				part.setLength(0);
			}
			part.append(Character.toLowerCase(c));
		}
		parts.add(part.toString());
		return String.join("-", parts);
	}

}

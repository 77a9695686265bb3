package io.github.grpclb.channel;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds gRPC service configs as data (the map shape grpc-java's
 * {@link io.grpc.ManagedChannelBuilder#defaultServiceConfig(Map)} expects: JSON numbers as {@link Double},
 * durations as strings such as {@code "0.1s"}).
 */
public final class ServiceConfigs {

	/** Policy used for dial-per-request channels: one connection to one randomly chosen address (gRFC A62). */
	static final Map<String, Object> SHUFFLED_PICK_FIRST = Map.of("pick_first", Map.of("shuffleAddressList", true));

	private ServiceConfigs() {
	}

	/**
	 * Service config for a pooled channel with these settings.
	 * @param settings the channel settings
	 * @return the service config
	 */
	public static Map<String, Object> pooled(ChannelSettings settings) {
		return pooled(settings, null);
	}

	/**
	 * Service config for a pooled channel with these settings, whose balancer feeds a {@link ClientView}.
	 * @param settings the channel settings
	 * @param observeKey the key from {@link BalancerViews#observe(String, ChannelSettings)}, or {@code null}
	 * @return the service config
	 */
	public static Map<String, Object> pooled(ChannelSettings settings, String observeKey) {
		Map<String, Object> policy = Map.of(settings.policy(), Map.of());
		ChannelSettings.OutlierDetectionSettings outliers = settings.outlierDetection();
		Map<String, Object> lb = (outliers != null) ? outlierDetection(outliers, policy) : policy;
		if (settings.usesRetries()) {
			// Retries and hedges go to a backend the call has not been sent to (RetryElsewhereLoadBalancerProvider).
			lb = Map.of(RetryElsewhereLoadBalancerProvider.POLICY, Map.of("childPolicy", List.of(lb)));
		}
		if (observeKey != null || outliers != null) {
			// At the root, above outlier detection and health checking, whose events it follows; it also keeps an
			// exception of outlier detection's stream tracer from hanging a call (GuardedTracers).
			lb = ObservingLoadBalancerProvider.around(observeKey, outliers != null, lb);
		}
		Map<String, Object> config = build(lb, settings);
		if (settings.healthCheck() != null) {
			config.put("healthCheckConfig", Map.of("serviceName", settings.healthCheck().serviceName()));
		}
		ChannelSettings.ThrottlingSettings throttling = settings.retry().throttling();
		if (settings.usesRetries() && throttling != null) {
			config.put("retryThrottling",
					Map.of("maxTokens", (double) throttling.maxTokens(), "tokenRatio", throttling.tokenRatio()));
		}
		return config;
	}

	/** grpc-java's outlier_detection_experimental around the client's policy (gRFC A50, grpc-java's key names). */
	private static Map<String, Object> outlierDetection(ChannelSettings.OutlierDetectionSettings outliers,
			Map<String, Object> childPolicy) {
		Map<String, Object> config = new LinkedHashMap<>();
		config.put("interval", seconds(outliers.interval()));
		config.put("baseEjectionTime", seconds(outliers.baseEjectionTime()));
		config.put("maxEjectionTime", seconds(outliers.maxEjectionTime()));
		// grpc-java reads maxEjectionPercentage; A50's maxEjectionPercent would be ignored without a word.
		config.put("maxEjectionPercentage", (double) outliers.maxEjectionPercent());
		if (outliers.failurePercentage() != null) {
			config.put("failurePercentageEjection", Map.of("threshold",
					(double) outliers.failurePercentage().threshold(), "enforcementPercentage", 100.0, "minimumHosts",
					(double) outliers.failurePercentage().minimumHosts(), "requestVolume",
					(double) outliers.failurePercentage().requestVolume()));
		}
		if (outliers.successRate() != null) {
			config.put("successRateEjection", Map.of("stdevFactor",
					(double) Math.round(outliers.successRate().stdevFactor() * 1000), "enforcementPercentage", 100.0,
					"minimumHosts", (double) outliers.successRate().minimumHosts(), "requestVolume",
					(double) outliers.successRate().requestVolume()));
		}
		config.put("childPolicy", List.of(childPolicy));
		return Map.of("outlier_detection_experimental", config);
	}

	/**
	 * Service config for a single-call channel: the client's retry policy and deadline, but pick_first over a
	 * shuffled address list, so that each call opens exactly one connection to one backend.
	 * @param settings the channel settings
	 * @return the service config
	 */
	static Map<String, Object> dialPerRequest(ChannelSettings settings) {
		return build(SHUFFLED_PICK_FIRST, settings, true);
	}

	/**
	 * Service config for a single-call channel whose call the caller retries itself (on another channel, so
	 * that a retry reaches another backend): deadlines only.
	 * @param settings the channel settings
	 * @return the service config
	 */
	static Map<String, Object> dialPerRequestWithoutRetries(ChannelSettings settings) {
		return build(SHUFFLED_PICK_FIRST, settings, false);
	}

	private static Map<String, Object> build(Map<String, ?> lbConfig, ChannelSettings settings) {
		return build(lbConfig, settings, true);
	}

	private static Map<String, Object> build(Map<String, ?> lbConfig, ChannelSettings settings, boolean retries) {
		Map<String, Object> config = new LinkedHashMap<>();
		config.put("loadBalancingConfig", List.of(lbConfig));
		List<Map<String, Object>> methodConfigs = new ArrayList<>();
		// The client's default deadline is not here: it applies to unary calls only (DefaultDeadlineInterceptor).
		if (retries && settings.retry().enabled()) {
			Map<String, Object> all = new LinkedHashMap<>();
			// An empty name entry matches every method of every service.
			all.put("name", List.of(Map.of()));
			all.put("retryPolicy", retryPolicy(settings.retry()));
			methodConfigs.add(all);
		}
		for (ChannelSettings.MethodSettings method : settings.methods()) {
			Map<String, Object> entry = new LinkedHashMap<>();
			entry.put("name", List.of((method.method() != null)
					? Map.of("service", method.service(), "method", method.method())
					: Map.of("service", method.service())));
			if (method.deadline() != null) {
				entry.put("timeout", seconds(method.deadline()));
			}
			if (method.hedging() != null) {
				ChannelSettings.HedgingSettings hedging = method.hedging();
				entry.put("hedgingPolicy", Map.of("maxAttempts", (double) hedging.maxAttempts(), "hedgingDelay",
						seconds(hedging.delay()), "nonFatalStatusCodes", hedging.nonFatalStatusCodes()));
			}
			else if (retries && method.retry() != null && method.retry().enabled()) {
				entry.put("retryPolicy", retryPolicy(method.retry()));
			}
			methodConfigs.add(entry);
		}
		if (!methodConfigs.isEmpty()) {
			config.put("methodConfig", methodConfigs);
		}
		return config;
	}

	private static Map<String, Object> retryPolicy(ChannelSettings.RetrySettings retry) {
		Map<String, Object> retryPolicy = new LinkedHashMap<>();
		retryPolicy.put("maxAttempts", (double) retry.maxAttempts());
		retryPolicy.put("initialBackoff", seconds(retry.initialBackoff()));
		retryPolicy.put("maxBackoff", seconds(retry.maxBackoff()));
		retryPolicy.put("backoffMultiplier", retry.backoffMultiplier());
		retryPolicy.put("retryableStatusCodes", List.copyOf(retry.retryableStatusCodes()));
		return retryPolicy;
	}

	/** Protobuf JSON duration: decimal seconds with an "s" suffix. */
	static String seconds(Duration duration) {
		long nanos = duration.toNanos();
		return java.math.BigDecimal.valueOf(nanos, 9).stripTrailingZeros().toPlainString() + "s";
	}

}

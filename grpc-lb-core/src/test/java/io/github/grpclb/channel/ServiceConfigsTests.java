package io.github.grpclb.channel;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.grpc.LoadBalancerRegistry;
import io.grpc.NameResolver;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The service config is data in the shape grpc-java parses, and grpc-java accepts it.
 */
class ServiceConfigsTests {

	@Test
	void theRetryPolicyAppliesToAllMethodsAndTheClientDeadlineStaysOutOfTheServiceConfig() {
		ChannelSettings base = PooledChannelRegistryTests.settingsFor("dns:///orders.test:9090");
		ChannelSettings settings = new ChannelSettings(base.target(), "round_robin", base.keepaliveTime(),
				base.keepaliveTimeout(), true, base.connectTimeout(), null, null, Duration.ofMillis(1500),
				base.retry(), null);
		Map<String, Object> config = ServiceConfigs.pooled(settings);
		// With retries, the policy sits inside the one that sends a retry to another backend.
		assertThat(config.get("loadBalancingConfig")).isEqualTo(List.of(Map.of("grpc_lb_retry_elsewhere",
				Map.of("childPolicy", List.of(Map.of("round_robin", Map.of()))))));
		@SuppressWarnings("unchecked")
		Map<String, Object> methodConfig = ((List<Map<String, Object>>) config.get("methodConfig")).get(0);
		assertThat(methodConfig.get("name")).isEqualTo(List.of(Map.of()));
		// A service config timeout would cut streams too: the client's deadline is DefaultDeadlineInterceptor's.
		assertThat(methodConfig).doesNotContainKey("timeout");
		assertThat(methodConfig.get("retryPolicy")).isEqualTo(Map.of("maxAttempts", 3.0, "initialBackoff", "0.1s",
				"maxBackoff", "1s", "backoffMultiplier", 2.0, "retryableStatusCodes", List.of("UNAVAILABLE")));
	}

	@Test
	void methodEntriesGetTheirOwnMethodConfigWithDeadlineAndRetryOrHedging() {
		ChannelSettings base = PooledChannelRegistryTests.settingsFor("dns:///orders.test:9090");
		ChannelSettings.RetrySettings slowRetry = new ChannelSettings.RetrySettings(true, 5, Duration.ofMillis(500),
				Duration.ofSeconds(5), 2.0, List.of("UNAVAILABLE", "RESOURCE_EXHAUSTED"));
		ChannelSettings settings = new ChannelSettings(base.target(), "round_robin", base.keepaliveTime(),
				base.keepaliveTimeout(), true, base.connectTimeout(), null, null, Duration.ofSeconds(2), base.retry(),
				null, ResolverSettings.DEFAULTS, null, null,
				List.of(new ChannelSettings.MethodSettings("orders.OrderService", "GetOrder", Duration.ofMillis(300),
						null, new ChannelSettings.HedgingSettings(2, Duration.ofMillis(50), List.of("UNAVAILABLE"))),
						new ChannelSettings.MethodSettings("orders.Reports", null, null, slowRetry, null)));
		@SuppressWarnings("unchecked")
		List<Map<String, Object>> methodConfigs = (List<Map<String, Object>>) ServiceConfigs.pooled(settings)
			.get("methodConfig");
		assertThat(methodConfigs).hasSize(3);
		assertThat(methodConfigs.get(1)).isEqualTo(Map.of("name",
				List.of(Map.of("service", "orders.OrderService", "method", "GetOrder")), "timeout", "0.3s",
				"hedgingPolicy", Map.of("maxAttempts", 2.0, "hedgingDelay", "0.05s", "nonFatalStatusCodes",
						List.of("UNAVAILABLE"))));
		assertThat(methodConfigs.get(2)).isEqualTo(Map.of("name", List.of(Map.of("service", "orders.Reports")),
				"retryPolicy", Map.of("maxAttempts", 5.0, "initialBackoff", "0.5s", "maxBackoff", "5s",
						"backoffMultiplier", 2.0, "retryableStatusCodes", List.of("UNAVAILABLE", "RESOURCE_EXHAUSTED"))));
		assertThat(settings.hasMethodDeadline("orders.OrderService/GetOrder")).isTrue();
		assertThat(settings.hasMethodDeadline("orders.Reports/Daily")).as("its entry sets no deadline").isFalse();
		assertThat(settings.hasMethodDeadline("orders.OrderService/ListOrders")).isFalse();
	}

	@Test
	void whenRetryIsOffAndNoDeadlineThenThereIsNoMethodConfig() {
		ChannelSettings base = PooledChannelRegistryTests.settingsFor("dns:///orders.test:9090");
		ChannelSettings settings = new ChannelSettings(base.target(), "pick_first", base.keepaliveTime(),
				base.keepaliveTimeout(), true, base.connectTimeout(), null, null, null,
				new ChannelSettings.RetrySettings(false, 3, Duration.ofMillis(100), Duration.ofSeconds(1), 2.0,
						List.of("UNAVAILABLE")),
				null);
		assertThat(ServiceConfigs.pooled(settings)).containsOnlyKeys("loadBalancingConfig");
	}

	@Test
	void whenGrpcJavaParsesTheLoadBalancingConfigsThenItAcceptsThem() {
		ChannelSettings settings = PooledChannelRegistryTests.settingsFor("dns:///orders.test:9090");
		for (Map<String, Object> config : List.of(ServiceConfigs.pooled(settings),
				ServiceConfigs.dialPerRequest(settings))) {
			@SuppressWarnings("unchecked")
			Map<String, ?> lb = ((List<Map<String, ?>>) config.get("loadBalancingConfig")).get(0);
			String policy = lb.keySet().iterator().next();
			@SuppressWarnings("unchecked")
			NameResolver.ConfigOrError parsed = LoadBalancerRegistry.getDefaultRegistry()
				.getProvider(policy)
				.parseLoadBalancingPolicyConfig((Map<String, ?>) lb.get(policy));
			assertThat(parsed.getError()).as("%s config error", policy).isNull();
		}
	}

	@Test
	void healthCheckingOutlierEjectionAndTheRetryBudgetGoIntoThePooledConfigAndGrpcJavaAcceptsThem() {
		ChannelSettings base = PooledChannelRegistryTests.settingsFor("dns:///orders.test:9090");
		ChannelSettings settings = new ChannelSettings(base.target(), "round_robin", base.keepaliveTime(),
				base.keepaliveTimeout(), true, base.connectTimeout(), null, null, null,
				new ChannelSettings.RetrySettings(true, 3, Duration.ofMillis(100), Duration.ofSeconds(1), 2.0,
						List.of("UNAVAILABLE"), new ChannelSettings.ThrottlingSettings(10, 0.1)),
				null, ResolverSettings.DEFAULTS, new ChannelSettings.HealthCheckSettings(""),
				new ChannelSettings.OutlierDetectionSettings(Duration.ofSeconds(5), Duration.ofSeconds(30),
						Duration.ofMinutes(5), 50,
						new ChannelSettings.OutlierDetectionSettings.FailurePercentage(85, 2, 20),
						new ChannelSettings.OutlierDetectionSettings.SuccessRate(1.9, 5, 100)));
		Map<String, Object> config = ServiceConfigs.pooled(settings);
		assertThat(config.get("healthCheckConfig")).isEqualTo(Map.of("serviceName", ""));
		assertThat(config.get("retryThrottling")).isEqualTo(Map.of("maxTokens", 10.0, "tokenRatio", 0.1));
		@SuppressWarnings("unchecked")
		Map<String, ?> root = ((List<Map<String, ?>>) config.get("loadBalancingConfig")).get(0);
		assertThat(root).as("outlier detection's tracers are guarded from the root").containsOnlyKeys("grpc_lb_observe");
		@SuppressWarnings("unchecked")
		Map<String, ?> observe = (Map<String, ?>) root.get("grpc_lb_observe");
		assertThat(observe.get("guardTracers")).isEqualTo(true);
		assertThat(LoadBalancerRegistry.getDefaultRegistry()
			.getProvider("grpc_lb_observe")
			.parseLoadBalancingPolicyConfig(observe)
			.getError()).as("the whole policy tree parses").isNull();
		@SuppressWarnings("unchecked")
		Map<String, ?> retryElsewhere = ((List<Map<String, ?>>) observe.get("childPolicy")).get(0);
		@SuppressWarnings("unchecked")
		Map<String, ?> lb = ((List<Map<String, ?>>) ((Map<String, ?>) retryElsewhere.get("grpc_lb_retry_elsewhere"))
			.get("childPolicy")).get(0);
		assertThat(lb).containsOnlyKeys("outlier_detection_experimental");
		@SuppressWarnings("unchecked")
		Map<String, ?> outliers = (Map<String, ?>) lb.get("outlier_detection_experimental");
		assertThat(outliers.get("maxEjectionPercentage")).as("grpc-java's key, not A50's").isEqualTo(50.0);
		assertThat(outliers.get("childPolicy")).isEqualTo(List.of(Map.of("round_robin", Map.of())));
		assertThat(outliers.get("failurePercentageEjection")).isEqualTo(Map.of("threshold", 85.0,
				"enforcementPercentage", 100.0, "minimumHosts", 2.0, "requestVolume", 20.0));
		assertThat(outliers.get("successRateEjection")).isEqualTo(Map.of("stdevFactor", 1900.0,
				"enforcementPercentage", 100.0, "minimumHosts", 5.0, "requestVolume", 100.0));
		NameResolver.ConfigOrError parsed = LoadBalancerRegistry.getDefaultRegistry()
			.getProvider("outlier_detection_experimental")
			.parseLoadBalancingPolicyConfig(outliers);
		assertThat(parsed.getError()).isNull();
		assertThat(ServiceConfigs.dialPerRequest(settings)).as("a single-call channel has nothing to eject or budget")
			.doesNotContainKeys("healthCheckConfig", "retryThrottling");
	}

	@Test
	void durationsAreWrittenAsDecimalSeconds() {
		assertThat(ServiceConfigs.seconds(Duration.ofMillis(100))).isEqualTo("0.1s");
		assertThat(ServiceConfigs.seconds(Duration.ofSeconds(30))).isEqualTo("30s");
		assertThat(ServiceConfigs.seconds(Duration.ofNanos(1))).isEqualTo("0.000000001s");
	}

}

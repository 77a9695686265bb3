package io.github.grpclb.autoconfigure;

import io.github.grpclb.actuate.BackendCalls;
import io.github.grpclb.actuate.GrpcLbEndpoint;
import io.github.grpclb.actuate.MeterBackendCalls;
import io.github.grpclb.channel.BalancerViews;
import io.github.grpclb.channel.GrpcLbChannelRegistry;
import io.github.grpclb.channel.PooledChannelRegistry;
import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * With Actuator: the {@code grpclb} endpoint (exposed like any endpoint, e.g.
 * {@code management.endpoints.web.exposure.include=health,grpclb}). The {@code grpcLb} health contributor comes from
 * {@code GrpcLbHealthContributorAutoConfiguration} (each Boot line has its own health types).
 */
@AutoConfiguration(after = { GrpcLbAutoConfiguration.class, GrpcLbMetricsAutoConfiguration.class },
		afterName = { "org.springframework.boot.actuate.autoconfigure.metrics.CompositeMeterRegistryAutoConfiguration",
			"org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration" })
@ConditionalOnClass(name = "org.springframework.boot.actuate.endpoint.annotation.Endpoint")
@ConditionalOnBean({ BalancerViews.class, GrpcLbChannelRegistry.class })
public final class GrpcLbActuatorAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnAvailableEndpoint(GrpcLbEndpoint.class)
	GrpcLbEndpoint grpcLbEndpoint(BalancerViews views, GrpcLbChannelRegistry registry,
			ObjectProvider<BackendCalls> calls, Environment environment) {
		return new GrpcLbEndpoint(views, registry instanceof PooledChannelRegistry,
				calls.getIfAvailable(() -> BackendCalls.NONE), environment);
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(MeterRegistry.class)
	@ConditionalOnBean(MeterRegistry.class)
	static class CallCountsConfiguration {

		@Bean
		@ConditionalOnMissingBean
		BackendCalls grpcLbBackendCalls(MeterRegistry registry) {
			return new MeterBackendCalls(registry);
		}

	}

}

package io.github.grpclb.autoconfigure;

import java.time.Clock;

import io.github.grpclb.channel.BalancerViews;
import io.github.grpclb.channel.GrpcLbChannelRegistry;
import io.github.grpclb.client.GrpcLbClientInterceptorFactory;
import io.github.grpclb.metrics.BalancerMetrics;
import io.github.grpclb.metrics.CallMetrics;
import io.github.grpclb.metrics.ChannelMetrics;
import io.github.grpclb.metrics.DialMetrics;
import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * Micrometer meters of the starter: calls, channels, dials, resolutions and what each balancer sees (see
 * {@link io.github.grpclb.metrics.GrpcLbMeters}). Switch them off with
 * {@code management.metrics.enable.grpc.lb=false}.
 */
@AutoConfiguration(after = GrpcLbAutoConfiguration.class,
		afterName = { "org.springframework.boot.actuate.autoconfigure.metrics.MetricsAutoConfiguration",
				"org.springframework.boot.actuate.autoconfigure.metrics.CompositeMeterRegistryAutoConfiguration",
				// Their Boot 4 names.
				"org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
				"org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration" })
@ConditionalOnClass(MeterRegistry.class)
@ConditionalOnBean({ MeterRegistry.class, GrpcLbChannelRegistry.class })
public final class GrpcLbMetricsAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	ChannelMetrics grpcLbChannelMetrics(GrpcLbChannelRegistry channels) {
		return new ChannelMetrics(channels);
	}

	@Bean
	@ConditionalOnMissingBean
	DialMetrics grpcLbDialMetrics(MeterRegistry registry) {
		return new DialMetrics(registry);
	}

	@Bean
	@ConditionalOnMissingBean
	CallMetrics grpcLbCallMetrics(MeterRegistry registry, GrpcLbProperties properties) {
		int max = properties.getMetrics().getMaxBackendsPerClient();
		if (max < 1) {
			throw new GrpcLbConfigurationException(GrpcLbProperties.PREFIX + ".metrics.max-backends-per-client", max,
					"must be at least 1",
					"Set " + GrpcLbProperties.PREFIX + ".metrics.max-backends-per-client to the largest number of pods "
							+ "one client may reach (default 100), or leave it unset.");
		}
		return new CallMetrics(registry, max);
	}

	@Bean
	@ConditionalOnMissingBean
	BalancerMetrics grpcLbBalancerMetrics(BalancerViews views) {
		return new BalancerMetrics(views, Clock.systemUTC());
	}

	@Bean
	GrpcLbClientInterceptorFactory grpcLbCallMetricsInterceptorFactory(CallMetrics callMetrics) {
		return callMetrics::interceptorFor;
	}

}

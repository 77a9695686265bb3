package io.github.grpclb.autoconfigure;

import io.github.grpclb.channel.GrpcLbChannelRegistry;
import io.github.grpclb.client.GrpcLbClientInterceptorFactory;
import io.github.grpclb.metrics.CallMetricsInterceptor;
import io.github.grpclb.metrics.ChannelMetrics;
import io.github.grpclb.metrics.DialMetrics;
import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * Micrometer meters of the starter: {@code grpc.lb.channels}, {@code grpc.lb.calls} and {@code grpc.lb.dials}
 * (see {@link io.github.grpclb.metrics.GrpcLbMeters}). Switch them off with
 * {@code management.metrics.enable.grpc.lb=false}.
 */
@AutoConfiguration(after = GrpcLbAutoConfiguration.class,
		afterName = { "org.springframework.boot.actuate.autoconfigure.metrics.MetricsAutoConfiguration",
				"org.springframework.boot.actuate.autoconfigure.metrics.CompositeMeterRegistryAutoConfiguration" })
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
	GrpcLbClientInterceptorFactory grpcLbCallMetricsInterceptorFactory(MeterRegistry registry) {
		return (clientName) -> new CallMetricsInterceptor(registry, clientName);
	}

}

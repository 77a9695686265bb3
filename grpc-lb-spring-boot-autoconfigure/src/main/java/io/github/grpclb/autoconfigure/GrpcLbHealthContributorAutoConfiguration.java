package io.github.grpclb.autoconfigure;

import io.github.grpclb.actuate.GrpcLbHealthContributor;
import io.github.grpclb.channel.BalancerViews;

import org.springframework.boot.actuate.autoconfigure.health.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * With Actuator: the {@code grpcLb} health contributor ({@code management.health.grpclb.enabled=false} switches it
 * off).
 */
@AutoConfiguration(after = GrpcLbAutoConfiguration.class)
@ConditionalOnClass(name = "org.springframework.boot.actuate.health.HealthContributor")
@ConditionalOnBean(BalancerViews.class)
public final class GrpcLbHealthContributorAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean(name = { "grpcLbHealthIndicator", "grpcLbHealthContributor" })
	@ConditionalOnEnabledHealthIndicator("grpclb")
	GrpcLbHealthContributor grpcLbHealthContributor(BalancerViews views) {
		return new GrpcLbHealthContributor(views);
	}

}

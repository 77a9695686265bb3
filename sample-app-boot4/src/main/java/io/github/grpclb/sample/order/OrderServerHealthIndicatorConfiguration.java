package io.github.grpclb.sample.order;

import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The order servers' health indicator, with Boot 4's health types (sample-app has the Boot 3.5 one).
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = "order.enabled", havingValue = "true")
public class OrderServerHealthIndicatorConfiguration {

	/**
	 * Part of the readiness group: down until every gRPC server listens, and once they stop.
	 */
	@Bean
	HealthIndicator orderServerHealthIndicator(OrderServers servers) {
		return () -> {
			OrderServers.ServingState status = servers.servingState();
			return (status.serving() ? Health.up() : Health.down()).withDetail("instances", status.names()).build();
		};
	}

}

package io.github.grpclb.autoconfigure;

import io.grpc.protobuf.services.HealthStatusManager;

import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.ApplicationListener;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.event.ContextClosedEvent;

/**
 * The grpc.health.v1 status of the application's gRPC server, for both Boot lines: the gRPC starter's
 * {@link HealthStatusManager} when it has one, else the starter's, going NOT_SERVING as soon as shutdown starts (not
 * only once the bean is destroyed, after the server stopped). Each line's server auto-configuration imports it and
 * registers the health service its own way.
 */
@Configuration(proxyBeanMethods = false)
class ServerHealthStatusConfiguration {

	@Bean
	@ConditionalOnMissingBean
	HealthStatusManager grpcLbHealthStatusManager() {
		return new HealthStatusManager();
	}

	/** Clients and probes see NOT_SERVING as soon as shutdown starts. */
	@Bean
	ApplicationListener<ContextClosedEvent> grpcLbHealthShutdown(HealthStatusManager health) {
		return (event) -> health.enterTerminalState();
	}

}

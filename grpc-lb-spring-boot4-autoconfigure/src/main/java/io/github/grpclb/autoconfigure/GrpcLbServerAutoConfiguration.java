package io.github.grpclb.autoconfigure;

import io.grpc.BindableService;
import io.grpc.ServerBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.grpc.server.ServerBuilderCustomizer;

/**
 * Server-side settings for applications that run Spring gRPC's server ({@code grpc.lb.server.*}): connection age,
 * keepalive enforcement that accepts the starter's client pings, and the standard health service going NOT_SERVING
 * as soon as shutdown starts.
 */
@AutoConfiguration(beforeName = "org.springframework.boot.grpc.server.autoconfigure.GrpcServerAutoConfiguration",
		afterName = "org.springframework.boot.grpc.server.autoconfigure.health.GrpcServerHealthAutoConfiguration")
@ConditionalOnClass({ ServerBuilderCustomizer.class, NettyServerBuilder.class })
@ConditionalOnFlag(value = GrpcLbProperties.PREFIX + ".server.enabled",
		decides = "the grpc.lb.server settings apply to the gRPC server")
@EnableConfigurationProperties(GrpcLbProperties.class)
public final class GrpcLbServerAutoConfiguration {

	/**
	 * Runs after Spring gRPC's own customizer of {@code spring.grpc.server.*}, so these settings win.
	 */
	@Bean
	<T extends ServerBuilder<T>> ServerBuilderCustomizer<T> grpcLbServerBuilderCustomizer(GrpcLbProperties properties,
			ObjectProvider<ClientSettingsResolver> clients) {
		ServerSettings settings = ServerSettings.validated(properties, clients);
		return settings::applyTo;
	}

	/**
	 * The standard health service: Spring gRPC's when it runs one ({@code spring.grpc.server.health.enabled}, on by
	 * default), else the starter's. Either way it answers NOT_SERVING from the start of shutdown, not only when its
	 * bean is destroyed after the server stopped.
	 */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(HealthStatusManager.class)
	@ConditionalOnFlag(value = GrpcLbProperties.PREFIX + ".server.health-service",
			decides = "the starter serves grpc.health.v1")
	@Import(ServerHealthStatusConfiguration.class)
	static class HealthServiceConfiguration {

		@Bean
		@ConditionalOnMissingBean(name = "grpcServerHealthService")
		BindableService grpcLbHealthService(HealthStatusManager health) {
			return health.getHealthService();
		}

	}

}

package io.github.grpclb.autoconfigure;

import io.grpc.BindableService;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import net.devh.boot.grpc.server.serverfactory.GrpcServerConfigurer;
import net.devh.boot.grpc.server.service.GrpcService;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

/**
 * Server-side settings for applications that run net.devh's gRPC server ({@code grpc.lb.server.*}): connection
 * age, keepalive enforcement that accepts the starter's client pings, and the standard health service.
 */
@AutoConfiguration(beforeName = "net.devh.boot.grpc.server.autoconfigure.GrpcServerFactoryAutoConfiguration",
		afterName = "net.devh.boot.grpc.server.autoconfigure.GrpcHealthServiceAutoConfiguration")
@ConditionalOnClass({ GrpcServerConfigurer.class, NettyServerBuilder.class })
@ConditionalOnFlag(value = GrpcLbProperties.PREFIX + ".server.enabled",
		decides = "the grpc.lb.server settings apply to the gRPC server")
@EnableConfigurationProperties(GrpcLbProperties.class)
public final class GrpcLbServerAutoConfiguration {

	@Bean
	GrpcServerConfigurer grpcLbServerConfigurer(GrpcLbProperties properties,
			ObjectProvider<ClientSettingsResolver> clients) {
		ServerSettings settings = ServerSettings.validated(properties, clients);
		return settings::applyTo;
	}

	/**
	 * The standard health service, when net.devh has not registered one (its own is switched off).
	 */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(HealthStatusManager.class)
	@ConditionalOnFlag(value = GrpcLbProperties.PREFIX + ".server.health-service",
			decides = "the starter serves grpc.health.v1")
	@Import(ServerHealthStatusConfiguration.class)
	static class HealthServiceConfiguration {

		@Bean
		@GrpcService
		@ConditionalOnMissingBean(name = "grpcHealthService")
		BindableService grpcLbHealthService(HealthStatusManager health) {
			return health.getHealthService();
		}

	}

}

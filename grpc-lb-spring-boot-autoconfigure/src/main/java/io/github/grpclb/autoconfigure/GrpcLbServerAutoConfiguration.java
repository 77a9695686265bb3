package io.github.grpclb.autoconfigure;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

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
import org.springframework.context.ApplicationListener;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.event.ContextClosedEvent;

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
		GrpcLbProperties.Server server = properties.getServer();
		String prefix = GrpcLbProperties.PREFIX + ".server.";
		ClientSettingsResolver.requirePositive(prefix + "max-connection-age", server.getMaxConnectionAge());
		ClientSettingsResolver.requirePositive(prefix + "max-connection-age-grace", server.getMaxConnectionAgeGrace());
		ClientSettingsResolver.requirePositive(prefix + "permit-keepalive-time", server.getPermitKeepaliveTime());
		requireClientPingsPermitted(server.getPermitKeepaliveTime(), keepaliveTimes(properties, clients));
		return (builder) -> {
			if (builder instanceof NettyServerBuilder netty) {
				netty.maxConnectionAge(server.getMaxConnectionAge().toNanos(), TimeUnit.NANOSECONDS)
					.maxConnectionAgeGrace(server.getMaxConnectionAgeGrace().toNanos(), TimeUnit.NANOSECONDS)
					.permitKeepAliveTime(server.getPermitKeepaliveTime().toNanos(), TimeUnit.NANOSECONDS)
					.permitKeepAliveWithoutCalls(server.isPermitKeepaliveWithoutCalls());
			}
		};
	}

	/**
	 * The keepalive times of this application's own clients: every configured client and the defaults when the
	 * client auto-configuration runs, else the bound defaults alone.
	 */
	private static Map<String, Duration> keepaliveTimes(GrpcLbProperties properties,
			ObjectProvider<ClientSettingsResolver> clients) {
		ClientSettingsResolver resolver = clients.getIfAvailable();
		return (resolver != null) ? resolver.keepaliveTimes()
				: Map.of(ClientSettingsResolver.DEFAULTS + ".keepalive-time", properties.getDefaults().getKeepaliveTime());
	}

	/**
	 * A server that permits pings less often than one of the application's own clients sends them answers that
	 * client with GOAWAY too_many_pings: fail startup naming the client that pings most often.
	 */
	private static void requireClientPingsPermitted(Duration permitted, Map<String, Duration> clientKeepalives) {
		String property = GrpcLbProperties.PREFIX + ".server.permit-keepalive-time";
		clientKeepalives.entrySet()
			.stream()
			.min(Map.Entry.comparingByValue())
			.filter((shortest) -> permitted.compareTo(shortest.getValue()) > 0)
			.ifPresent((shortest) -> {
				throw new GrpcLbConfigurationException(property, permitted,
						"is longer than " + shortest.getKey() + " (" + shortest.getValue() + "): this server would "
								+ "answer the pings of the application's own clients with GOAWAY too_many_pings",
						"Set " + property + " to " + shortest.getValue() + " or less (default 5s), or raise "
								+ shortest.getKey() + ".");
			});
	}

	/**
	 * The standard health service, when net.devh has not registered one (its own is switched off).
	 */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(HealthStatusManager.class)
	@ConditionalOnFlag(value = GrpcLbProperties.PREFIX + ".server.health-service",
			decides = "the starter serves grpc.health.v1")
	static class HealthServiceConfiguration {

		@Bean
		@ConditionalOnMissingBean
		HealthStatusManager grpcLbHealthStatusManager() {
			return new HealthStatusManager();
		}

		@Bean
		@GrpcService
		@ConditionalOnMissingBean(name = "grpcHealthService")
		BindableService grpcLbHealthService(HealthStatusManager health) {
			return health.getHealthService();
		}

		/** Clients and probes see NOT_SERVING as soon as shutdown starts. */
		@Bean
		ApplicationListener<ContextClosedEvent> grpcLbHealthShutdown(HealthStatusManager health) {
			return (event) -> health.enterTerminalState();
		}

	}

}

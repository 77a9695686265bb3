package io.github.grpclb.autoconfigure;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.grpc.ServerBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;

import org.springframework.beans.factory.ObjectProvider;

/**
 * {@code grpc.lb.server.*} for the gRPC server of either Boot line: validated at startup, then applied to its
 * (shaded) Netty server builder.
 */
final class ServerSettings {

	private final GrpcLbProperties.Server server;

	private ServerSettings(GrpcLbProperties.Server server) {
		this.server = server;
	}

	/**
	 * Validates the server settings against each other and against this application's own clients.
	 * @param properties the bound properties
	 * @param clients the client settings, when the client auto-configuration runs
	 * @return the settings, ready to apply
	 */
	static ServerSettings validated(GrpcLbProperties properties, ObjectProvider<ClientSettingsResolver> clients) {
		GrpcLbProperties.Server server = properties.getServer();
		String prefix = GrpcLbProperties.PREFIX + ".server.";
		ClientSettingsResolver.requirePositive(prefix + "max-connection-age", server.getMaxConnectionAge());
		ClientSettingsResolver.requirePositive(prefix + "max-connection-age-grace", server.getMaxConnectionAgeGrace());
		ClientSettingsResolver.requirePositive(prefix + "permit-keepalive-time", server.getPermitKeepaliveTime());
		requireClientPingsPermitted(server.getPermitKeepaliveTime(), keepaliveTimes(properties, clients));
		return new ServerSettings(server);
	}

	/**
	 * Applies the settings to a Netty server builder; other transports are left as they are.
	 * @param builder the server builder
	 */
	void applyTo(ServerBuilder<?> builder) {
		if (builder instanceof NettyServerBuilder netty) {
			netty.maxConnectionAge(this.server.getMaxConnectionAge().toNanos(), TimeUnit.NANOSECONDS)
				.maxConnectionAgeGrace(this.server.getMaxConnectionAgeGrace().toNanos(), TimeUnit.NANOSECONDS)
				.permitKeepAliveTime(this.server.getPermitKeepaliveTime().toNanos(), TimeUnit.NANOSECONDS)
				.permitKeepAliveWithoutCalls(this.server.isPermitKeepaliveWithoutCalls());
		}
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

}

package io.github.grpclb.channel;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Filter;
import java.util.logging.LogRecord;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.grpc.EquivalentAddressGroup;

/**
 * Turns grpc-java's "Health-check … is disabled" line — logged at SEVERE through java.util.logging, without the
 * client, each time a backend without the grpc.health.v1 service is connected — into one WARN line through SLF4J
 * per client and backend address. The client is known from what the clients' resolvers returned (this is a
 * {@link ResolutionListener}).
 * <p>
 * The filter sits on grpc-java's logger from construction until {@link #close()}, which puts the previous filter
 * back; other records of that logger pass to the previous filter unchanged.
 */
public final class HealthCheckLogBridge implements ResolutionListener, AutoCloseable {

	/** The java.util.logging logger grpc-java's health checking writes to. */
	static final String GRPC_LOGGER = "io.grpc.protobuf.services.HealthCheckingLoadBalancerFactory";

	private static final String DISABLED_MESSAGE = "Health-check with {0} is disabled";

	private static final Logger logger = LoggerFactory.getLogger(HealthCheckLogBridge.class);

	/** Held strongly: java.util.logging keeps loggers weakly, and a collected logger would lose the filter. */
	private final java.util.logging.Logger grpcLogger;

	private final Filter previous;

	private final Filter filter = this::isLoggable;

	private final Map<String, Set<InetSocketAddress>> addressesByClient = new ConcurrentHashMap<>();

	private final Set<String> warned = ConcurrentHashMap.newKeySet();

	/** Install the filter on grpc-java's logger. */
	public HealthCheckLogBridge() {
		this.grpcLogger = java.util.logging.Logger.getLogger(GRPC_LOGGER);
		this.previous = this.grpcLogger.getFilter();
		this.grpcLogger.setFilter(this.filter);
	}

	@Override
	public void resolved(String clientName, List<InetSocketAddress> addresses, boolean changed) {
		if (changed) {
			this.addressesByClient.put(clientName, Set.copyOf(addresses));
		}
	}

	private boolean isLoggable(LogRecord record) {
		Object[] parameters = record.getParameters();
		if (record.getMessage() != null && record.getMessage().startsWith(DISABLED_MESSAGE) && parameters != null
				&& parameters.length == 2 && parameters[0] instanceof List<?> groups) {
			for (Object group : groups) {
				if (group instanceof EquivalentAddressGroup eag) {
					eag.getAddresses().forEach((address) -> warnOnce(address, parameters[1]));
				}
			}
			return false;
		}
		return this.previous == null || this.previous.isLoggable(record);
	}

	private void warnOnce(SocketAddress address, Object status) {
		boolean known = false;
		for (Map.Entry<String, Set<InetSocketAddress>> entry : this.addressesByClient.entrySet()) {
			if (entry.getValue().contains(address)) {
				known = true;
				warn(entry.getKey(), address, status);
			}
		}
		if (!known) {
			warn("?", address, status);
		}
	}

	private void warn(String client, SocketAddress address, Object status) {
		if (this.warned.add(client + '\0' + address)) {
			logger.atWarn()
				.addKeyValue("client", client)
				.addKeyValue("address", address)
				.log("gRPC client '{}': backend {} does not serve grpc.health.v1 ({}), so it is taken as healthy "
						+ "and gets calls without health checking (logged once per backend)", client, address,
						status);
		}
	}

	@Override
	public void close() {
		if (this.grpcLogger.getFilter() == this.filter) {
			this.grpcLogger.setFilter(this.previous);
		}
	}

}

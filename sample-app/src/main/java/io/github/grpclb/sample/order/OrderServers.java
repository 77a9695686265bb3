package io.github.grpclb.sample.order;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.grpclb.sample.proto.GetOrderRequest;
import io.github.grpclb.sample.proto.Order;
import io.github.grpclb.sample.proto.OrderServiceGrpc;
import io.grpc.Attributes;
import io.grpc.Server;
import io.grpc.ServerTransportFilter;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.stub.StreamObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.context.SmartLifecycle;

/**
 * One gRPC server per listen address, all on the same port: locally three "pods" in one process, in a pod just
 * one. Each counts the calls and connections it sees, so the demo can show who served what. Stops gracefully:
 * new calls are refused and calls in flight get {@code order.drain-timeout} to finish.
 */
public class OrderServers implements SmartLifecycle {

	private static final Logger logger = LoggerFactory.getLogger(OrderServers.class);

	private final OrderServiceProperties properties;

	private final Map<String, Instance> instances = new LinkedHashMap<>();

	private volatile boolean running;

	public OrderServers(OrderServiceProperties properties) {
		this.properties = properties;
	}

	@Override
	public synchronized void start() {
		List<String> addresses = this.properties.getListenAddresses();
		for (int i = 0; i < addresses.size(); i++) {
			String address = addresses.get(i);
			boolean failing = this.properties.isForceUnavailable() && i == 0;
			try {
				Instance instance = new Instance(address, failing);
				this.instances.put(instance.name, instance);
				logger.info("Order service listening: instance={} address={}:{} forceUnavailable={}", instance.name,
						address, instance.server.getPort(), failing);
			}
			catch (IOException ex) {
				stop();
				throw new UncheckedIOException("Cannot start the order service on " + address + ":"
						+ this.properties.getPort() + " (is the port taken? set order.port)", ex);
			}
		}
		this.running = true;
	}

	@Override
	public synchronized void stop() {
		// NOT_SERVING first: clients that health-check (the starter's do) send no new call here.
		this.instances.values().forEach((instance) -> instance.health.enterTerminalState());
		this.instances.values().forEach((instance) -> instance.server.shutdown());
		long deadline = System.nanoTime() + this.properties.getDrainTimeout().toNanos();
		for (Instance instance : this.instances.values()) {
			try {
				if (!instance.server.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
					logger.warn("Order service {}: calls still running after {}, cancelling them", instance.name,
							this.properties.getDrainTimeout());
					instance.server.shutdownNow();
				}
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				instance.server.shutdownNow();
			}
		}
		this.running = false;
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	/** @return every instance by the name it reports as served_by, in listen-address order */
	public Map<String, Instance> instances() {
		return Collections.unmodifiableMap(this.instances);
	}

	/** @return the instances' names */
	public List<String> names() {
		return new ArrayList<>(this.instances.keySet());
	}

	/** @return what the health indicator reports: serving while every server listens and serves */
	public ServingState servingState() {
		boolean serving = isRunning() && this.instances.values().stream().allMatch(Instance::serving);
		return new ServingState(serving, names());
	}

	/**
	 * The servers' health.
	 * @param serving whether every server listens and serves
	 * @param names the instances' names
	 */
	public record ServingState(boolean serving, List<String> names) {
	}

	private String nameFor(String address, int port) {
		if (!this.properties.getInstanceName().isBlank()) {
			return this.properties.getInstanceName()
					+ (this.properties.getListenAddresses().size() > 1 ? "@" + address : "");
		}
		if (!"0.0.0.0".equals(address) && !"::".equals(address)) {
			return address + ":" + port;
		}
		try {
			return InetAddress.getLocalHost().getHostName();
		}
		catch (UnknownHostException ex) {
			return address + ":" + port;
		}
	}

	/** One server and what it has seen. */
	public final class Instance extends OrderServiceGrpc.OrderServiceImplBase {

		private final String name;

		private final boolean failing;

		private final Server server;

		/** grpc.health.v1 for the whole server, as a pod with the starter's server side serves it. */
		private final HealthStatusManager health = new HealthStatusManager();

		private final AtomicInteger served = new AtomicInteger();

		private final AtomicInteger refused = new AtomicInteger();

		private final AtomicInteger connections = new AtomicInteger();

		Instance(String address, boolean failing) throws IOException {
			OrderServiceProperties p = OrderServers.this.properties;
			this.failing = failing;
			this.server = NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getByName(address), p.getPort()))
				.addService(this)
				.addService(this.health.getHealthService())
				.addTransportFilter(new ServerTransportFilter() {
					@Override
					public Attributes transportReady(Attributes transportAttrs) {
						Instance.this.connections.incrementAndGet();
						return transportAttrs;
					}
				})
				.maxConnectionAge(p.getMaxConnectionAge().toMillis(), TimeUnit.MILLISECONDS)
				.maxConnectionAgeGrace(p.getMaxConnectionAgeGrace().toMillis(), TimeUnit.MILLISECONDS)
				.permitKeepAliveTime(p.getPermitKeepaliveTime().toMillis(), TimeUnit.MILLISECONDS)
				.permitKeepAliveWithoutCalls(p.isPermitKeepaliveWithoutCalls())
				.build()
				.start();
			this.name = nameFor(address, this.server.getPort());
		}

		@Override
		public void getOrder(GetOrderRequest request, StreamObserver<Order> responseObserver) {
			if (this.failing) {
				this.refused.incrementAndGet();
				responseObserver.onError(Status.UNAVAILABLE
					.withDescription(this.name + " is forced to fail (order.force-unavailable)")
					.asRuntimeException());
				return;
			}
			this.served.incrementAndGet();
			responseObserver.onNext(Order.newBuilder().setId(request.getId()).setServedBy(this.name).build());
			responseObserver.onCompleted();
		}

		/** @return the name this instance reports as served_by */
		public String name() {
			return this.name;
		}

		/** @return the port it listens on */
		public int port() {
			return this.server.getPort();
		}

		/** @return calls answered with an order */
		public int served() {
			return this.served.get();
		}

		/** @return calls answered UNAVAILABLE because of order.force-unavailable */
		public int refused() {
			return this.refused.get();
		}

		/** @return connections accepted */
		public int connections() {
			return this.connections.get();
		}

		/** @return whether the server is accepting calls */
		public boolean serving() {
			return !this.server.isShutdown();
		}

	}

}

package io.github.grpclb.sample;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.grpclb.sample.proto.GetOrderRequest;
import io.github.grpclb.sample.proto.Order;
import io.github.grpclb.sample.proto.OrderServiceGrpc;
import io.grpc.Attributes;
import io.grpc.Server;
import io.grpc.ServerTransportFilter;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;

/**
 * Starts one order-service backend per configured loopback address, all on the same port, and counts the calls
 * and connections each receives.
 */
@Component
public class LocalOrderBackends implements DisposableBean {

	private final Map<String, Counters> counters = new LinkedHashMap<>();

	private final Map<String, Server> servers = new LinkedHashMap<>();

	public LocalOrderBackends(SampleProperties properties) {
		for (String address : properties.backends().addresses()) {
			String name = address + ":" + properties.backends().port();
			Counters counter = new Counters();
			try {
				Server server = NettyServerBuilder
					.forAddress(new InetSocketAddress(InetAddress.getByName(address), properties.backends().port()))
					.addService(new OrderService(name, counter))
					.addTransportFilter(new ServerTransportFilter() {
						@Override
						public Attributes transportReady(Attributes transportAttrs) {
							counter.connections.incrementAndGet();
							return transportAttrs;
						}
					})
					.build()
					.start();
				this.servers.put(name, server);
				this.counters.put(name, counter);
			}
			catch (IOException ex) {
				destroy();
				throw new UncheckedIOException("Cannot start a backend on " + name
						+ " (is the port taken? set sample.backends.port)", ex);
			}
		}
	}

	/** @return calls and connections per backend address */
	public Map<String, Counters> counters() {
		return this.counters;
	}

	@Override
	public void destroy() {
		this.servers.values().forEach(Server::shutdown);
		for (Server server : this.servers.values()) {
			try {
				if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
					server.shutdownNow();
				}
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				server.shutdownNow();
			}
		}
	}

	/** What one backend has seen. */
	public static final class Counters {

		final AtomicInteger calls = new AtomicInteger();

		final AtomicInteger connections = new AtomicInteger();

		/** @return calls served */
		public int calls() {
			return this.calls.get();
		}

		/** @return connections accepted */
		public int connections() {
			return this.connections.get();
		}

	}

	private static final class OrderService extends OrderServiceGrpc.OrderServiceImplBase {

		private final String name;

		private final Counters counters;

		OrderService(String name, Counters counters) {
			this.name = name;
			this.counters = counters;
		}

		@Override
		public void getOrder(GetOrderRequest request, StreamObserver<Order> responseObserver) {
			this.counters.calls.incrementAndGet();
			responseObserver.onNext(Order.newBuilder().setId(request.getId()).setServedBy(this.name).build());
			responseObserver.onCompleted();
		}

	}

}

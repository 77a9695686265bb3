package io.github.grpclb.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.github.grpclb.bench.proto.BenchReply;
import io.github.grpclb.bench.proto.BenchRequest;
import io.github.grpclb.bench.proto.BenchServiceGrpc;
import io.grpc.Attributes;
import io.grpc.Server;
import io.grpc.ServerCredentials;
import io.grpc.ServerTransportFilter;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;

/**
 * Five backends on 127.0.0.2..6, like pods behind a headless Service: each address serves plaintext on one port and
 * TLS on another, and counts the connections it accepts.
 */
final class BenchBackends implements AutoCloseable {

	static final List<String> ADDRESSES = List.of("127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5", "127.0.0.6");

	private final int plainPort;

	private final int tlsPort;

	private final List<Server> servers = new ArrayList<>();

	private final Map<String, AtomicLong> connections = new LinkedHashMap<>();

	BenchBackends(ServerCredentials tls) throws IOException {
		this.plainPort = freePort();
		this.tlsPort = freePort();
		for (String address : ADDRESSES) {
			AtomicLong accepted = new AtomicLong();
			this.connections.put(address, accepted);
			this.servers.add(start(address, this.plainPort, null, accepted));
			this.servers.add(start(address, this.tlsPort, tls, accepted));
		}
	}

	private static Server start(String address, int port, ServerCredentials credentials, AtomicLong accepted)
			throws IOException {
		InetSocketAddress socket = new InetSocketAddress(InetAddress.getByName(address), port);
		NettyServerBuilder builder = (credentials != null) ? NettyServerBuilder.forAddress(socket, credentials)
				: NettyServerBuilder.forAddress(socket);
		// Like a pod with the health service (the starter checks it by default), always SERVING here.
		return configure(builder).addService(new io.grpc.protobuf.services.HealthStatusManager().getHealthService())
			.addService(new Service(address))
			.addTransportFilter(new ServerTransportFilter() {
				@Override
				public Attributes transportReady(Attributes transportAttrs) {
					accepted.incrementAndGet();
					return transportAttrs;
				}
			})
			.build()
			.start();
	}

	/**
	 * What every backend of the runs has: its handler, trivial, runs on the transport thread (the same for every
	 * client), and it accepts the clients' keepalive pings, as the starter's server side does.
	 * @param builder a server's builder
	 * @return the same builder
	 */
	static NettyServerBuilder configure(NettyServerBuilder builder) {
		return builder.directExecutor().permitKeepAliveTime(5, TimeUnit.SECONDS).permitKeepAliveWithoutCalls(true);
	}

	int plainPort() {
		return this.plainPort;
	}

	int tlsPort() {
		return this.tlsPort;
	}

	/** @return connections accepted so far, all backends and both ports */
	long connections() {
		return this.connections.values().stream().mapToLong(AtomicLong::get).sum();
	}

	@Override
	public void close() {
		this.servers.forEach(Server::shutdownNow);
		for (Server server : this.servers) {
			try {
				server.awaitTermination(5, TimeUnit.SECONDS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}
	}

	static int freePort() {
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(ADDRESSES.get(0)))) {
			return socket.getLocalPort();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/** The bench service; replies name the backend. */
	static final class Service extends BenchServiceGrpc.BenchServiceImplBase {

		private final String name;

		Service(String name) {
			this.name = name;
		}

		@Override
		public void call(BenchRequest request, StreamObserver<BenchReply> responseObserver) {
			responseObserver.onNext(BenchReply.newBuilder().setId(request.getId()).setServedBy(this.name).build());
			responseObserver.onCompleted();
		}

	}

}

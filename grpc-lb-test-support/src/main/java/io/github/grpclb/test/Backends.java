package io.github.grpclb.test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.grpclb.test.proto.EchoReply;
import io.github.grpclb.test.proto.EchoRequest;
import io.github.grpclb.test.proto.EchoServiceGrpc;
import io.grpc.Attributes;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServerTransportFilter;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.Channel;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioServerSocketChannel;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.stub.StreamObserver;
import io.grpc.util.MutableHandlerRegistry;

/**
 * Real grpc-java servers on 127.0.0.2, 127.0.0.3, … sharing one port, like the pods behind a headless Service.
 * Each counts the calls it served and the connections it accepted. Server threads are named
 * {@value #THREAD_PREFIX}… so tests can tell them from client threads.
 *
 * <p>
 * Every backend also serves the standard {@code grpc.health.v1.Health} service (SERVING until told otherwise, see
 * {@link Backend#serving(boolean)}), which {@link Backend#healthService(boolean)} can take away, and can fail the
 * way pods fail: {@link Backend#stopGracefully()} (SIGTERM), {@link Backend#kill()} (SIGKILL), then
 * {@link Backend#restart()} on the same address, and the {@link Mode modes} for a pod that is up but misbehaves.
 */
public final class Backends implements AutoCloseable {

	/** Name prefix of every thread the backends own. */
	public static final String THREAD_PREFIX = "test-backend";

	/** Host name that resolves to 127.0.0.2..127.0.0.6 through the test hosts file. */
	public static final String HOST = "backends.test";

	/** What a backend does with a call. */
	public enum Mode {

		/** Answer with the request message and its own address. */
		ECHO,

		/** Answer UNAVAILABLE. */
		UNAVAILABLE,

		/** Never answer (until {@link Backend#releaseHanging()}). */
		HANG,

		/**
		 * Answer NOT_FOUND (an application error) for a fraction of the calls, evenly spread (every second call
		 * by default, see {@link Backend#notFoundFraction(double)}), and echo the others.
		 */
		SOME_NOT_FOUND

	}

	private final int port;

	private final Map<String, Backend> backends = new LinkedHashMap<>();

	private final EventLoopGroup boss = new NioEventLoopGroup(1, new DefaultThreadFactory(THREAD_PREFIX + "-boss", true));

	private final EventLoopGroup workers = new NioEventLoopGroup(2,
			new DefaultThreadFactory(THREAD_PREFIX + "-worker", true));

	private final ExecutorService executor = Executors.newCachedThreadPool((runnable) -> {
		Thread thread = new Thread(runnable, THREAD_PREFIX + "-exec");
		thread.setDaemon(true);
		return thread;
	});

	private Backends(int port) {
		this.port = port;
	}

	/**
	 * Start {@code count} echo backends on 127.0.0.2 onwards, on one free port.
	 * @param count how many
	 * @return the running backends
	 */
	public static Backends start(int count) {
		return start(count, Mode.ECHO);
	}

	/**
	 * Start {@code count} backends on 127.0.0.2 onwards, on one free port.
	 * @param count how many
	 * @param mode what they do with calls
	 * @return the running backends
	 */
	public static Backends start(int count, Mode mode) {
		for (int tries = 0; tries < 5; tries++) {
			Backends backends = new Backends(freePort());
			try {
				for (int i = 0; i < count; i++) {
					backends.add("127.0.0." + (2 + i), mode);
				}
				return backends;
			}
			catch (IOException ex) {
				backends.close();
			}
		}
		throw new IllegalStateException("Could not find a port free on all loopback addresses");
	}

	private void add(String ip, Mode mode) throws IOException {
		InetSocketAddress address = new InetSocketAddress(InetAddress.getByName(ip), this.port);
		Backend backend = new Backend(ip + ":" + this.port, mode);
		backend.starter = () -> NettyServerBuilder.forAddress(address)
			.bossEventLoopGroup(this.boss)
			.workerEventLoopGroup(this.workers)
			.channelFactory(() -> new TrackingServerChannel(backend))
			// Bind again at once after a kill, whatever the state of the old connections.
			.withOption(ChannelOption.SO_REUSEADDR, true)
			.executor(this.executor)
			.addService(ServerInterceptors.intercept(backend, backend.headerRecorder()))
			.fallbackHandlerRegistry(backend.optionalServices)
			.addTransportFilter(backend.connectionCounter())
			.build()
			.start();
		backend.server = backend.starter.start();
		this.backends.put(backend.address, backend);
	}

	/** @return the port every backend listens on */
	public int port() {
		return this.port;
	}

	/** @return the backends by {@code ip:port}, in address order */
	public Map<String, Backend> byAddress() {
		return this.backends;
	}

	/** @return the backends, in address order */
	public List<Backend> all() {
		return new ArrayList<>(this.backends.values());
	}

	/** @return calls served per backend address, in address order */
	public Map<String, Integer> callCounts() {
		Map<String, Integer> counts = new LinkedHashMap<>();
		this.backends.forEach((address, backend) -> counts.put(address, backend.calls.get()));
		return counts;
	}

	/** @return connections accepted per backend address, in address order */
	public Map<String, Integer> connectionCounts() {
		Map<String, Integer> counts = new LinkedHashMap<>();
		this.backends.forEach((address, backend) -> counts.put(address, backend.connections.get()));
		return counts;
	}

	/** Forget the call counts (not the connection counts). */
	public void resetCallCounts() {
		this.backends.values().forEach((backend) -> backend.calls.set(0));
	}

	@Override
	public void close() {
		for (Backend backend : this.backends.values()) {
			if (backend.server != null) {
				backend.server.shutdownNow();
			}
		}
		for (Backend backend : this.backends.values()) {
			if (backend.server != null) {
				try {
					backend.server.awaitTermination(5, TimeUnit.SECONDS);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
			}
		}
		this.boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
		this.workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
		this.executor.shutdownNow();
	}

	/** A server socket that remembers itself and the connections it accepts, so that a kill can close them. */
	private static final class TrackingServerChannel extends NioServerSocketChannel {

		private final Backend backend;

		TrackingServerChannel(Backend backend) {
			this.backend = backend;
			backend.sockets.add(this);
		}

		@Override
		protected int doReadMessages(List<Object> buf) throws Exception {
			int before = buf.size();
			int read = super.doReadMessages(buf);
			for (int i = before; i < buf.size(); i++) {
				if (buf.get(i) instanceof Channel accepted) {
					this.backend.sockets.add(accepted);
					accepted.closeFuture().addListener((closed) -> this.backend.sockets.remove(accepted));
				}
			}
			return read;
		}

	}

	/** Builds and starts a backend's server. */
	@FunctionalInterface
	private interface ServerStarter {

		Server start() throws IOException;

	}

	/** @return a TCP port free on 127.0.0.2 right now (for test servers of its own) */
	public static int freePort() {
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.2"))) {
			return socket.getLocalPort();
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/** One backend: an echo service that knows its own address. */
	public static final class Backend extends EchoServiceGrpc.EchoServiceImplBase {

		private static final Metadata.Key<String> USER_AGENT = Metadata.Key.of("user-agent",
				Metadata.ASCII_STRING_MARSHALLER);

		private final String address;

		private volatile Mode mode;

		private final AtomicInteger calls = new AtomicInteger();

		private final AtomicInteger connections = new AtomicInteger();

		private final AtomicInteger openConnections = new AtomicInteger();

		private final Set<String> userAgents = ConcurrentHashMap.newKeySet();

		private final Map<String, String> lastHeaders = new ConcurrentHashMap<>();

		private final AtomicInteger received = new AtomicInteger();

		private volatile CountDownLatch receivedLatch = new CountDownLatch(0);

		private final List<Runnable> hanging = new CopyOnWriteArrayList<>();

		private final HealthStatusManager health = new HealthStatusManager();

		private final AtomicInteger healthChecks = new AtomicInteger();

		private final ServerServiceDefinition healthDefinition = ServerInterceptors.intercept(
				this.health.getHealthService(), healthCheckCounter());

		/** Services that can come and go while the server runs (the health service). */
		private final MutableHandlerRegistry optionalServices = new MutableHandlerRegistry();

		/** The listening socket and the accepted connections of the current server. */
		private final List<Channel> sockets = new CopyOnWriteArrayList<>();

		private final AtomicInteger served = new AtomicInteger();

		private volatile double notFoundFraction = 0.5;

		private ServerStarter starter;

		private volatile Server server;

		Backend(String address, Mode mode) {
			this.address = address;
			this.mode = mode;
			this.optionalServices.addService(this.healthDefinition);
		}

		/** @return {@code ip:port} of this backend */
		public String address() {
			return this.address;
		}

		/** @return calls answered with a reply */
		public int calls() {
			return this.calls.get();
		}

		/** @return calls received, whatever the answer */
		public int received() {
			return this.received.get();
		}

		/** @return connections accepted */
		public int connections() {
			return this.connections.get();
		}

		/** @return connections accepted and not closed yet */
		public int openConnections() {
			return this.openConnections.get();
		}

		/** @return user-agent headers seen */
		public Set<String> userAgents() {
			return this.userAgents;
		}

		/**
		 * @param key a header name
		 * @return the last value seen for it, or null
		 */
		public String lastHeader(String key) {
			return this.lastHeaders.get(key);
		}

		/**
		 * Stop like a pod on SIGTERM: refuse new calls, let calls in flight finish.
		 */
		public void stopGracefully() {
			this.server.shutdown();
			try {
				this.server.awaitTermination(5, TimeUnit.SECONDS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}

		/**
		 * Stop like a pod on SIGKILL: the listening socket and every connection close at once, without GOAWAY;
		 * calls in flight get no answer. New connections are refused until {@link #restart()}.
		 */
		public void kill() {
			// Close the sockets under grpc's feet first, so that its shutdown has no connection left to say goodbye
			// on; the listening socket first, so that nothing new is accepted meanwhile.
			List<Channel> open = List.copyOf(this.sockets);
			open.stream().filter((socket) -> socket instanceof TrackingServerChannel).forEach(Backend::closeSocket);
			open.stream().filter((socket) -> !(socket instanceof TrackingServerChannel)).forEach(Backend::closeSocket);
			this.server.shutdownNow();
			try {
				this.server.awaitTermination(5, TimeUnit.SECONDS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
			this.sockets.removeAll(open);
		}

		/** Close a socket like the kernel does for a killed process: below the HTTP/2 handler, which would say GOAWAY. */
		private static void closeSocket(Channel socket) {
			socket.eventLoop().execute(() -> socket.unsafe().close(socket.unsafe().voidPromise()));
			socket.closeFuture().syncUninterruptibly();
		}

		/**
		 * Start again on the same address and port after {@link #stopGracefully()} or {@link #kill()}, like a pod
		 * that comes back: same mode, health status and counters.
		 */
		public void restart() {
			if (!this.server.isTerminated()) {
				throw new IllegalStateException(this.address + " is still running");
			}
			this.sockets.clear();
			try {
				this.server = this.starter.start();
			}
			catch (IOException ex) {
				throw new IllegalStateException("Could not bind " + this.address + " again", ex);
			}
		}

		/** @return whether the server is running (not stopped, killed or closed) */
		public boolean running() {
			return !this.server.isShutdown();
		}

		/**
		 * Report a health status for the whole server (health service name {@code ""}).
		 * @param serving SERVING if true, NOT_SERVING if false
		 */
		public void serving(boolean serving) {
			serving("", serving);
		}

		/**
		 * Report a health status for one service name.
		 * @param service the service name health checks ask about ({@code ""} for the whole server)
		 * @param serving SERVING if true, NOT_SERVING if false
		 */
		public void serving(String service, boolean serving) {
			this.health.setStatus(service, serving ? ServingStatus.SERVING : ServingStatus.NOT_SERVING);
		}

		/**
		 * Serve the grpc.health.v1 service or not: without it, health calls end UNIMPLEMENTED, like a server that
		 * never registered one. Affects health calls that start afterwards, not watches already open.
		 * @param served whether to serve it
		 */
		public void healthService(boolean served) {
			if (served) {
				this.optionalServices.addService(this.healthDefinition);
			}
			else {
				this.optionalServices.removeService(this.healthDefinition);
			}
		}

		/** @return grpc.health.v1 calls (Check or Watch) received so far */
		public int healthChecks() {
			return this.healthChecks.get();
		}

		/** @param mode the new behaviour */
		public void mode(Mode mode) {
			this.mode = mode;
		}

		/**
		 * Set the share of calls answered NOT_FOUND in {@link Mode#SOME_NOT_FOUND}.
		 * @param fraction between 0 and 1; 0.5 (the default) fails every second call
		 */
		public void notFoundFraction(double fraction) {
			if (fraction < 0 || fraction > 1) {
				throw new IllegalArgumentException("fraction must be between 0 and 1, not " + fraction);
			}
			this.notFoundFraction = fraction;
		}

		/**
		 * Answer every call that hangs so far (with an echo), e.g. to let a call in flight finish during a close.
		 * @return how many calls were answered
		 */
		public int releaseHanging() {
			List<Runnable> answers = List.copyOf(this.hanging);
			this.hanging.removeAll(answers);
			answers.forEach(Runnable::run);
			return answers.size();
		}

		/**
		 * Expect a number of calls to arrive.
		 * @param count how many
		 * @return a latch counted down as they arrive
		 */
		public CountDownLatch expectCalls(int count) {
			CountDownLatch latch = new CountDownLatch(count);
			this.receivedLatch = latch;
			return latch;
		}

		@Override
		public void echo(EchoRequest request, StreamObserver<EchoReply> responseObserver) {
			// The latch of the test's expectCalls() at the time this call arrived: a call answered just before the test
			// set a new latch must not count towards it.
			CountDownLatch arrival = this.receivedLatch;
			this.received.incrementAndGet();
			switch (this.mode) {
				case ECHO -> {
					this.calls.incrementAndGet();
					responseObserver.onNext(EchoReply.newBuilder()
						.setMessage(request.getMessage())
						.setServedBy(this.address)
						.build());
					responseObserver.onCompleted();
				}
				case UNAVAILABLE -> responseObserver
					.onError(Status.UNAVAILABLE.withDescription(this.address + " is unavailable").asRuntimeException());
				case SOME_NOT_FOUND -> {
					// Fail call n when floor(n * fraction) steps up: the failures are spread evenly.
					int n = this.served.incrementAndGet();
					double fraction = this.notFoundFraction;
					if ((long) Math.floor(n * fraction) > (long) Math.floor((n - 1) * fraction)) {
						responseObserver.onError(Status.NOT_FOUND.withDescription("no such thing on " + this.address)
							.asRuntimeException());
					}
					else {
						this.calls.incrementAndGet();
						responseObserver.onNext(EchoReply.newBuilder()
							.setMessage(request.getMessage())
							.setServedBy(this.address)
							.build());
						responseObserver.onCompleted();
					}
				}
				case HANG -> {
					// No answer until the test releases it: the call stays in flight.
					this.hanging.add(() -> {
						responseObserver.onNext(EchoReply.newBuilder()
							.setMessage(request.getMessage())
							.setServedBy(this.address)
							.build());
						responseObserver.onCompleted();
					});
				}
			}
			// Counted only now: a test that saw the call arrive can release a hanging call at once.
			arrival.countDown();
		}

		ServerInterceptor headerRecorder() {
			return new ServerInterceptor() {
				@Override
				public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(ServerCall<ReqT, RespT> call,
						Metadata headers, ServerCallHandler<ReqT, RespT> next) {
					String agent = headers.get(USER_AGENT);
					if (agent != null) {
						Backend.this.userAgents.add(agent);
					}
					for (String key : headers.keys()) {
						if (!key.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
							String value = headers.get(Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER));
							if (value != null) {
								Backend.this.lastHeaders.put(key, value);
							}
						}
					}
					return Contexts.interceptCall(io.grpc.Context.current(), call, headers, next);
				}
			};
		}

		private ServerInterceptor healthCheckCounter() {
			return new ServerInterceptor() {
				@Override
				public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(ServerCall<ReqT, RespT> call,
						Metadata headers, ServerCallHandler<ReqT, RespT> next) {
					Backend.this.healthChecks.incrementAndGet();
					return next.startCall(call, headers);
				}
			};
		}

		ServerTransportFilter connectionCounter() {
			return new ServerTransportFilter() {
				@Override
				public Attributes transportReady(Attributes transportAttrs) {
					Backend.this.connections.incrementAndGet();
					Backend.this.openConnections.incrementAndGet();
					return transportAttrs;
				}

				@Override
				public void transportTerminated(Attributes transportAttrs) {
					Backend.this.openConnections.decrementAndGet();
				}
			};
		}

		@Override
		public String toString() {
			return this.address;
		}

	}

}

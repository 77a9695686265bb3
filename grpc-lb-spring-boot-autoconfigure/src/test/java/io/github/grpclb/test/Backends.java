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
import io.grpc.ServerTransportFilter;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioServerSocketChannel;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import io.grpc.stub.StreamObserver;

/**
 * Real grpc-java servers on 127.0.0.2, 127.0.0.3, … sharing one port, like the pods behind a headless Service.
 * Each counts the calls it served and the connections it accepted. Server threads are named
 * {@value #THREAD_PREFIX}… so tests can tell them from client threads.
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

		/** Never answer. */
		HANG

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
		Backend backend = new Backend(ip + ":" + this.port, mode);
		Server server = NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getByName(ip), this.port))
			.bossEventLoopGroup(this.boss)
			.workerEventLoopGroup(this.workers)
			.channelType(NioServerSocketChannel.class)
			.executor(this.executor)
			.addService(ServerInterceptors.intercept(backend, backend.headerRecorder()))
			.addTransportFilter(backend.connectionCounter())
			.build()
			.start();
		backend.server = server;
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

		private final Set<String> userAgents = ConcurrentHashMap.newKeySet();

		private final Map<String, String> lastHeaders = new ConcurrentHashMap<>();

		private final AtomicInteger received = new AtomicInteger();

		private volatile CountDownLatch receivedLatch = new CountDownLatch(0);

		private final List<Runnable> hanging = new java.util.concurrent.CopyOnWriteArrayList<>();

		private Server server;

		Backend(String address, Mode mode) {
			this.address = address;
			this.mode = mode;
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

		/** @param mode the new behaviour */
		public void mode(Mode mode) {
			this.mode = mode;
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
			this.receivedLatch.countDown();
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

		ServerTransportFilter connectionCounter() {
			return new ServerTransportFilter() {
				@Override
				public Attributes transportReady(Attributes transportAttrs) {
					Backend.this.connections.incrementAndGet();
					return transportAttrs;
				}
			};
		}

		@Override
		public String toString() {
			return this.address;
		}

	}

}

package io.github.grpclb.channel;

import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.internal.GrpcUtil;
import io.grpc.internal.SharedResourceHolder;

/**
 * One client's channel in dial-per-request mode: each call, when it starts, dials a fresh single-call channel that
 * is shut down when the call completes — the behaviour of "connect per request" code, kept behind the
 * {@link ManagedChannel} API so that stubs don't change. All single-call channels of the client take their
 * addresses from one {@link SharedResolution}, so DNS is asked once per refresh, not once per call.
 * <p>
 * Shutting this channel down touches this client's calls only. A call either starts before the shutdown, and then
 * the shutdown waits for (or cancels) it, or it fails at once: none escapes the shutdown budget.
 */
final class DialPerRequestChannel extends ManagedChannel {

	/** The server's pushback: milliseconds to wait before a retry, or a negative number for no retry. */
	private static final Metadata.Key<String> PUSHBACK = Metadata.Key.of("grpc-retry-pushback-ms",
			Metadata.ASCII_STRING_MARSHALLER);

	private static final long NO_PUSHBACK = -1;

	private static final long NO_RETRY = -2;

	private final String clientName;

	private final ChannelSettings settings;

	private final GrpcLbChannelFactory factory;

	private final DialListener dialListener;

	private final SharedResolution resolution;

	/** The single-call channels of calls in flight. Added to and snapshotted under {@code this}. */
	private final Set<ManagedChannel> live = ConcurrentHashMap.newKeySet();

	private volatile boolean shutdown;

	DialPerRequestChannel(String clientName, ChannelSettings settings, GrpcLbChannelFactory factory,
			DialListener dialListener) {
		this.clientName = clientName;
		this.settings = settings;
		this.factory = factory;
		this.dialListener = dialListener;
		this.resolution = factory.sharedResolution(clientName, settings);
	}

	@Override
	public <ReqT, RespT> ClientCall<ReqT, RespT> newCall(MethodDescriptor<ReqT, RespT> method,
			CallOptions callOptions) {
		ChannelSettings.RetrySettings retry = retryOf(method);
		return (retry != null) ? new RetryingCall<>(method, callOptions, retry) : new DialOnStart<>(method, callOptions);
	}

	/**
	 * The retry policy the starter applies itself to a call, so that a retry dials another backend: unary calls
	 * only (their one request can be sent again), and not hedged methods.
	 */
	private ChannelSettings.RetrySettings retryOf(MethodDescriptor<?, ?> method) {
		if (method.getType() != MethodDescriptor.MethodType.UNARY) {
			return null;
		}
		for (ChannelSettings.MethodSettings entry : this.settings.methods()) {
			if (entry.matches(method.getFullMethodName())) {
				return (entry.hedging() == null && entry.retry() != null && entry.retry().enabled()) ? entry.retry()
						: null;
			}
		}
		return this.settings.retry().enabled() ? this.settings.retry() : null;
	}

	@Override
	public String authority() {
		return this.resolution.authority();
	}

	/** @return the single-call channels of this client's calls in flight */
	int liveChannels() {
		return this.live.size();
	}

	/** Drop the single-call channels that have terminated but whose release callback has not run yet. */
	void forgetTerminated() {
		this.live.removeIf(ManagedChannel::isTerminated);
	}

	/**
	 * Refuse new calls and hand back the channels of the calls in flight, for the caller to wait on.
	 * @return the single-call channels at the moment of the shutdown
	 */
	synchronized List<ManagedChannel> shutdownAndDrain() {
		this.shutdown = true;
		this.resolution.close();
		return new ArrayList<>(this.live);
	}

	@Override
	public ManagedChannel shutdown() {
		shutdownAndDrain();
		return this;
	}

	@Override
	public boolean isShutdown() {
		return this.shutdown;
	}

	@Override
	public boolean isTerminated() {
		return this.shutdown && this.live.isEmpty();
	}

	@Override
	public ManagedChannel shutdownNow() {
		shutdownAndDrain().forEach(ManagedChannel::shutdownNow);
		return this;
	}

	@Override
	public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
		long deadline = System.nanoTime() + unit.toNanos(timeout);
		for (ManagedChannel channel : List.copyOf(this.live)) {
			if (!channel.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
				return false;
			}
		}
		return isTerminated();
	}

	/** A new single-call channel, or {@code null} once shut down. */
	private synchronized ManagedChannel dial() {
		if (this.shutdown) {
			return null;
		}
		ManagedChannel channel = this.factory.createSingleCall(this.clientName, this.settings, this.resolution);
		this.live.add(channel);
		return channel;
	}

	/** A new channel for one attempt, avoiding the given addresses; {@code null} once shut down. */
	private synchronized ManagedChannel dialAttempt(Set<SocketAddress> excluded) {
		if (this.shutdown) {
			return null;
		}
		ManagedChannel channel = this.factory.createSingleAttempt(this.clientName, this.settings, this.resolution,
				excluded);
		this.live.add(channel);
		return channel;
	}

	private Status shutDownStatus() {
		return Status.UNAVAILABLE.withDescription("Channel of gRPC client '" + this.clientName
				+ "' is shut down (the application is shutting down)");
	}

	/**
	 * A unary call retried by the starter: each attempt dials a fresh connection, to a backend none of the earlier
	 * attempts failed on, after the policy's backoff or the server's pushback ({@code grpc-retry-pushback-ms}). A call
	 * that never reached its server (see {@link UnsentCallReplay}) is retried whatever its code. An attempt that got
	 * response headers or a message is final.
	 */
	private final class RetryingCall<ReqT, RespT> extends ClientCall<ReqT, RespT> {

		private final MethodDescriptor<ReqT, RespT> method;

		private final CallOptions callOptions;

		private final ChannelSettings.RetrySettings retry;

		private final Set<SocketAddress> failedOn = new HashSet<>();

		private final SentSoFar<ReqT> sent = new SentSoFar<>();

		private Listener<RespT> listener;

		private ClientCall<ReqT, RespT> current;

		private int attempts;

		private Status cancelled;

		private boolean done;

		RetryingCall(MethodDescriptor<ReqT, RespT> method, CallOptions callOptions,
				ChannelSettings.RetrySettings retry) {
			this.method = method;
			this.callOptions = callOptions;
			this.retry = retry;
		}

		@Override
		public synchronized void start(Listener<RespT> responseListener, Metadata headers) {
			this.listener = responseListener;
			this.sent.started(headers);
			attempt();
		}

		/** Dial and start the next attempt, replaying what the caller sent so far. */
		private synchronized void attempt() {
			if (this.done) {
				return;
			}
			if (this.cancelled != null) {
				finish(this.cancelled, new Metadata());
				return;
			}
			ManagedChannel channel = dialAttempt(this.failedOn);
			if (channel == null) {
				finish(shutDownStatus(), new Metadata());
				return;
			}
			this.attempts++;
			DialPerRequestChannel.this.dialListener.dialed(DialPerRequestChannel.this.clientName,
					DialPerRequestChannel.this.settings.target());
			ClientCall<ReqT, RespT> call = channel.newCall(this.method, this.callOptions);
			this.current = call;
			try {
				this.sent.replay(call, new AttemptListener<>(this.listener) {
					@Override
					public void onClose(Status status, Metadata trailers) {
						closed(call, channel, answered(), status, trailers);
					}
				});
			}
			catch (RuntimeException | Error ex) {
				release(channel);
				throw ex;
			}
		}

		private synchronized void closed(ClientCall<ReqT, RespT> call, ManagedChannel channel, boolean committed,
				Status status, Metadata trailers) {
			release(channel);
			if (call != this.current || this.done) {
				return;
			}
			long pushback = pushbackNanos(trailers);
			if (!committed && this.cancelled == null && this.attempts < this.retry.maxAttempts()
					&& (this.retry.retryableStatusCodes().contains(status.getCode().name())
							|| UnsentCallReplay.neverSent(status))
					&& pushback != NO_RETRY && !deadlinePassed()) {
				java.net.SocketAddress remote = call.getAttributes().get(io.grpc.Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
				if (remote != null) {
					this.failedOn.add(remote);
				}
				long delay = (pushback >= 0) ? pushback : backoffNanos();
				this.current = null;
				java.util.concurrent.ScheduledExecutorService timer = SharedResourceHolder.get(GrpcUtil.TIMER_SERVICE);
				timer.schedule(() -> {
					try {
						attempt();
					}
					finally {
						SharedResourceHolder.release(GrpcUtil.TIMER_SERVICE, timer);
					}
				}, delay, TimeUnit.NANOSECONDS);
				return;
			}
			finish(status, trailers);
		}

		/**
		 * The server's pushback, as grpc-java honours it: a delay before the retry, or {@link #NO_RETRY} when the
		 * value is negative or not a number.
		 * @return nanoseconds, {@link #NO_RETRY}, or {@link #NO_PUSHBACK}
		 */
		private static long pushbackNanos(Metadata trailers) {
			String value = trailers.get(PUSHBACK);
			if (value == null) {
				return NO_PUSHBACK;
			}
			try {
				int millis = Integer.parseInt(value.trim());
				return (millis >= 0) ? TimeUnit.MILLISECONDS.toNanos(millis) : NO_RETRY;
			}
			catch (NumberFormatException ex) {
				return NO_RETRY;
			}
		}

		private void finish(Status status, Metadata trailers) {
			this.done = true;
			this.listener.onClose(status, trailers);
		}

		private boolean deadlinePassed() {
			io.grpc.Deadline deadline = this.callOptions.getDeadline();
			return deadline != null && deadline.isExpired();
		}

		/** As grpc-java draws it: uniformly up to initial-backoff × multiplier^(n-1), capped at max-backoff. */
		private long backoffNanos() {
			double bound = this.retry.initialBackoff().toNanos()
					* Math.pow(this.retry.backoffMultiplier(), this.attempts - 1);
			bound = Math.min(bound, this.retry.maxBackoff().toNanos());
			return (long) (java.util.concurrent.ThreadLocalRandom.current().nextDouble() * bound);
		}

		@Override
		public synchronized void request(int numMessages) {
			this.sent.requested(numMessages);
			if (this.current != null) {
				this.current.request(numMessages);
			}
		}

		@Override
		public synchronized void cancel(String message, Throwable cause) {
			Status status = Status.CANCELLED.withDescription((message != null) ? message : "cancelled")
				.withCause(cause);
			this.cancelled = status;
			if (this.current != null) {
				this.current.cancel(message, cause);
			}
			else if (this.listener != null && !this.done) {
				// Waiting for a retry: end the call now.
				finish(status, new Metadata());
			}
		}

		@Override
		public synchronized void halfClose() {
			this.sent.halfClosed();
			if (this.current != null) {
				this.current.halfClose();
			}
		}

		@Override
		public synchronized void sendMessage(ReqT message) {
			this.sent.sent(message);
			if (this.current != null) {
				this.current.sendMessage(message);
			}
		}

		@Override
		public synchronized void setMessageCompression(boolean enabled) {
			this.sent.compression(enabled);
			if (this.current != null) {
				this.current.setMessageCompression(enabled);
			}
		}

		@Override
		public synchronized boolean isReady() {
			return this.current != null && this.current.isReady();
		}

	}

	private void release(ManagedChannel channel) {
		channel.shutdown();
		this.live.remove(channel);
	}

	/**
	 * A call that dials when it starts (a call that is never started costs nothing) and releases its channel
	 * exactly once, when it completes.
	 */
	private final class DialOnStart<ReqT, RespT> extends ClientCall<ReqT, RespT> {

		private final MethodDescriptor<ReqT, RespT> method;

		private final CallOptions callOptions;

		private volatile ClientCall<ReqT, RespT> delegate;

		private volatile Status cancelledBeforeStart;

		DialOnStart(MethodDescriptor<ReqT, RespT> method, CallOptions callOptions) {
			this.method = method;
			this.callOptions = callOptions;
		}

		@Override
		public void start(Listener<RespT> responseListener, Metadata headers) {
			if (this.cancelledBeforeStart != null) {
				responseListener.onClose(this.cancelledBeforeStart, new Metadata());
				return;
			}
			ManagedChannel channel = dial();
			if (channel == null) {
				responseListener.onClose(shutDownStatus(), new Metadata());
				return;
			}
			DialPerRequestChannel.this.dialListener.dialed(DialPerRequestChannel.this.clientName,
					DialPerRequestChannel.this.settings.target());
			ClientCall<ReqT, RespT> call;
			try {
				call = channel.newCall(this.method, this.callOptions);
				this.delegate = call;
				call.start(new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(responseListener) {
					@Override
					public void onClose(Status status, Metadata trailers) {
						// Release first: once the caller sees the result, its channel is already shutting down.
						release(channel);
						super.onClose(status, trailers);
					}
				}, headers);
			}
			catch (RuntimeException | Error ex) {
				release(channel);
				throw ex;
			}
		}

		@Override
		public void request(int numMessages) {
			started().request(numMessages);
		}

		@Override
		public void cancel(String message, Throwable cause) {
			ClientCall<ReqT, RespT> call = this.delegate;
			if (call != null) {
				call.cancel(message, cause);
			}
			else {
				this.cancelledBeforeStart = Status.CANCELLED
					.withDescription((message != null) ? message : "cancelled before start")
					.withCause(cause);
			}
		}

		@Override
		public void halfClose() {
			started().halfClose();
		}

		@Override
		public void sendMessage(ReqT message) {
			started().sendMessage(message);
		}

		@Override
		public boolean isReady() {
			ClientCall<ReqT, RespT> call = this.delegate;
			return call != null && call.isReady();
		}

		@Override
		public void setMessageCompression(boolean enabled) {
			started().setMessageCompression(enabled);
		}

		@Override
		public io.grpc.Attributes getAttributes() {
			ClientCall<ReqT, RespT> call = this.delegate;
			return (call != null) ? call.getAttributes() : io.grpc.Attributes.EMPTY;
		}

		private ClientCall<ReqT, RespT> started() {
			ClientCall<ReqT, RespT> call = this.delegate;
			if (call == null) {
				// The call failed at start (shut down, or cancelled before): what follows is a no-op, as on a
				// closed call of grpc-java's.
				@SuppressWarnings("unchecked")
				ClientCall<ReqT, RespT> noop = NOOP;
				return noop;
			}
			return call;
		}

	}

	@SuppressWarnings("rawtypes")
	private static final ClientCall NOOP = new ClientCall() {
		@Override
		public void start(Listener listener, Metadata headers) {
		}

		@Override
		public void request(int numMessages) {
		}

		@Override
		public void cancel(String message, Throwable cause) {
		}

		@Override
		public void halfClose() {
		}

		@Override
		public void sendMessage(Object message) {
		}
	};

}

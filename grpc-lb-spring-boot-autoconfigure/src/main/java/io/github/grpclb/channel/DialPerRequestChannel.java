package io.github.grpclb.channel;

import java.util.ArrayList;
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
		return new DialOnStart<>(method, callOptions);
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
				responseListener.onClose(Status.UNAVAILABLE.withDescription("Channel of gRPC client '"
						+ DialPerRequestChannel.this.clientName + "' is shut down (the application is shutting down)"),
						new Metadata());
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

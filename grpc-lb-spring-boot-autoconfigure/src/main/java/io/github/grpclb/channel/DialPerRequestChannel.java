package io.github.grpclb.channel;

import java.net.URI;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;

/**
 * A channel that dials a fresh single-call channel for every call and shuts it down when the call completes: the
 * behaviour of "connect per request" code, kept behind the {@link ManagedChannel} API so that stubs don't change.
 */
final class DialPerRequestChannel extends ManagedChannel {

	private final String clientName;

	private final ChannelSettings settings;

	private final GrpcLbChannelFactory factory;

	private final DialListener dialListener;

	private final Set<ManagedChannel> live;

	private final String authority;

	private volatile boolean shutdown;

	DialPerRequestChannel(String clientName, ChannelSettings settings, GrpcLbChannelFactory factory,
			DialListener dialListener, Set<ManagedChannel> live) {
		this.clientName = clientName;
		this.settings = settings;
		this.factory = factory;
		this.dialListener = dialListener;
		this.live = live;
		this.authority = authorityOf(settings);
	}

	@Override
	public <ReqT, RespT> ClientCall<ReqT, RespT> newCall(MethodDescriptor<ReqT, RespT> method,
			CallOptions callOptions) {
		if (this.shutdown) {
			return new FailedCall<>(Status.UNAVAILABLE.withDescription("Channel of gRPC client '" + this.clientName
					+ "' is shut down (the application is shutting down)"));
		}
		ManagedChannel channel = this.factory.createSingleCall(this.clientName, this.settings);
		this.live.add(channel);
		this.dialListener.dialed(this.clientName, this.settings.target());
		return new SingleCall<>(channel.newCall(method, callOptions), channel);
	}

	@Override
	public String authority() {
		return this.authority;
	}

	@Override
	public ManagedChannel shutdown() {
		this.shutdown = true;
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
		this.shutdown = true;
		this.live.forEach(ManagedChannel::shutdownNow);
		return this;
	}

	@Override
	public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
		long deadline = System.nanoTime() + unit.toNanos(timeout);
		for (ManagedChannel channel : this.live) {
			if (!channel.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
				return false;
			}
		}
		return isTerminated();
	}

	private void release(ManagedChannel channel) {
		channel.shutdown();
		this.live.remove(channel);
	}

	private static String authorityOf(ChannelSettings settings) {
		if (settings.tls() != null && settings.tls().authorityOverride() != null) {
			return settings.tls().authorityOverride();
		}
		if (StaticAddressesNameResolverProvider.handles(settings.target())) {
			// As the pooled channel's resolver reports it: interceptors parse it as one host:port.
			return StaticAddressesNameResolverProvider.serviceAuthority(settings.target());
		}
		try {
			URI uri = new URI(settings.target());
			String path = uri.getPath();
			if (path != null && path.length() > 1) {
				return path.substring(1);
			}
			return (uri.getAuthority() != null) ? uri.getAuthority() : settings.target();
		}
		catch (java.net.URISyntaxException ex) {
			return settings.target();
		}
	}

	/** Releases its channel exactly once, when the call completes or is abandoned before it starts. */
	private final class SingleCall<ReqT, RespT> extends ForwardingClientCall.SimpleForwardingClientCall<ReqT, RespT> {

		private final ManagedChannel channel;

		private final AtomicBoolean released = new AtomicBoolean();

		private volatile boolean started;

		SingleCall(ClientCall<ReqT, RespT> delegate, ManagedChannel channel) {
			super(delegate);
			this.channel = channel;
		}

		@Override
		public void start(Listener<RespT> responseListener, Metadata headers) {
			this.started = true;
			try {
				super.start(new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(responseListener) {
					@Override
					public void onClose(Status status, Metadata trailers) {
						// Release first: once the caller sees the result, its channel is already shutting down.
						releaseOnce();
						super.onClose(status, trailers);
					}
				}, headers);
			}
			catch (RuntimeException ex) {
				releaseOnce();
				throw ex;
			}
		}

		@Override
		public void cancel(String message, Throwable cause) {
			try {
				super.cancel(message, cause);
			}
			finally {
				if (!this.started) {
					releaseOnce();
				}
			}
		}

		private void releaseOnce() {
			if (this.released.compareAndSet(false, true)) {
				release(this.channel);
			}
		}

	}

	/** A call that fails at start, without touching the network. */
	private static final class FailedCall<ReqT, RespT> extends ClientCall<ReqT, RespT> {

		private final Status status;

		FailedCall(Status status) {
			this.status = status;
		}

		@Override
		public void start(Listener<RespT> responseListener, Metadata headers) {
			responseListener.onClose(this.status, new Metadata());
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
		public void sendMessage(ReqT message) {
		}

	}

}

package io.github.grpclb.channel;

import java.nio.channels.ClosedChannelException;

import io.grpc.Attributes;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.Deadline;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;

/**
 * Sends a call again when grpc-java failed it before the server could have acted on it, in the one case grpc-java
 * does not retry itself: the connection closed just as the call's headers or request were being written
 * (typically a pod killed without GOAWAY). grpc-java then fails the call with {@code UNKNOWN} and a
 * {@link ClosedChannelException} as its cause, and counts the call as processed, so no retry policy and no
 * transparent retry picks it up (grpc/grpc-java#10120). The request never reached the server in full (the write
 * that failed was the client's own), so the call is started again, on the same channel, which by then routes it to
 * another connection.
 * <p>
 * Only calls with one request message (unary and server-streaming) are replayed, only before any response header or
 * message arrived, only while the caller has not cancelled and the deadline has not passed, and at most
 * {@value #MAX_REPLAYS} times. A server's own {@code UNKNOWN} status never qualifies: it has no local cause.
 */
public final class UnsentCallReplay implements ClientInterceptor {

	/** Replays per call: the race needs a connection to close under the call, twice in a row is already rare. */
	static final int MAX_REPLAYS = 2;

	private static final UnsentCallReplay INSTANCE = new UnsentCallReplay();

	private UnsentCallReplay() {
	}

	/**
	 * The interceptor. Add it to a channel's builder so that it runs after interceptors that set call options.
	 * @return the shared, stateless instance
	 */
	public static ClientInterceptor interceptor() {
		return INSTANCE;
	}

	/**
	 * Whether a status is grpc-java's report of a call whose write failed because the connection was closed under it.
	 * @param status a call's status
	 * @return whether the call never reached the server in full
	 */
	static boolean neverSent(Status status) {
		if (status.getCode() != Status.Code.UNKNOWN) {
			return false;
		}
		for (Throwable cause = status.getCause(); cause != null; cause = (cause.getCause() != cause) ? cause.getCause()
				: null) {
			if (cause instanceof ClosedChannelException) {
				return true;
			}
		}
		return false;
	}

	@Override
	public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(MethodDescriptor<ReqT, RespT> method,
			CallOptions callOptions, Channel next) {
		if (!method.getType().clientSendsOneMessage()) {
			return next.newCall(method, callOptions);
		}
		return new ReplayingCall<>(method, callOptions, next);
	}

	/**
	 * A call that can start over on a new call of the same channel. Everything the caller does goes to the current
	 * attempt under the lock, so that a replay, also made under the lock, neither misses nor repeats an action.
	 */
	private static final class ReplayingCall<ReqT, RespT> extends ClientCall<ReqT, RespT> {

		private final MethodDescriptor<ReqT, RespT> method;

		private final CallOptions callOptions;

		private final Channel next;

		private final SentSoFar<ReqT> sent = new SentSoFar<>();

		private ClientCall<ReqT, RespT> current;

		private Listener<RespT> listener;

		private int replays;

		private boolean cancelled;

		ReplayingCall(MethodDescriptor<ReqT, RespT> method, CallOptions callOptions, Channel next) {
			this.method = method;
			this.callOptions = callOptions;
			this.next = next;
			this.current = next.newCall(method, callOptions);
		}

		@Override
		public synchronized void start(Listener<RespT> responseListener, Metadata headers) {
			this.listener = responseListener;
			this.sent.started(headers);
			this.current.start(attemptListener(this.current), headers);
		}

		@Override
		public synchronized void request(int numMessages) {
			this.sent.requested(numMessages);
			this.current.request(numMessages);
		}

		@Override
		public synchronized void cancel(String message, Throwable cause) {
			this.cancelled = true;
			this.current.cancel(message, cause);
		}

		@Override
		public synchronized void halfClose() {
			this.sent.halfClosed();
			this.current.halfClose();
		}

		@Override
		public synchronized void sendMessage(ReqT message) {
			this.sent.sent(message);
			this.current.sendMessage(message);
		}

		@Override
		public synchronized void setMessageCompression(boolean enabled) {
			this.sent.compression(enabled);
			this.current.setMessageCompression(enabled);
		}

		@Override
		public synchronized boolean isReady() {
			return this.current.isReady();
		}

		@Override
		public synchronized Attributes getAttributes() {
			return this.current.getAttributes();
		}

		/**
		 * Start a new attempt if the one that ended qualifies.
		 * @return whether it did (the caller hears nothing of the attempt that ended)
		 */
		private synchronized boolean replayed(ClientCall<ReqT, RespT> attempt, boolean answered, Status status) {
			if (attempt != this.current || answered || this.cancelled || this.replays >= MAX_REPLAYS
					|| !neverSent(status) || deadlinePassed()) {
				return false;
			}
			this.replays++;
			this.current = this.next.newCall(this.method, this.callOptions);
			this.sent.replay(this.current, attemptListener(this.current));
			return true;
		}

		private boolean deadlinePassed() {
			Deadline deadline = this.callOptions.getDeadline();
			return deadline != null && deadline.isExpired();
		}

		private Listener<RespT> attemptListener(ClientCall<ReqT, RespT> attempt) {
			return new AttemptListener<>(this.listener) {
				@Override
				public void onClose(Status status, Metadata trailers) {
					if (!replayed(attempt, answered(), status)) {
						caller().onClose(status, trailers);
					}
				}
			};
		}

	}

}

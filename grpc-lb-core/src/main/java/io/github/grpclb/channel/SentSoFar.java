package io.github.grpclb.channel;

import io.grpc.ClientCall;
import io.grpc.Metadata;

/**
 * What a caller has done so far on a call whose one request message can be sent again: its headers, message,
 * half-close, flow-control requests and compression. Replaying it onto a new {@link ClientCall} makes that call an
 * exact second attempt. Not thread-safe: the owning call guards it.
 *
 * @param <ReqT> the request type
 */
final class SentSoFar<ReqT> {

	private Metadata headers;

	private ReqT message;

	private boolean halfClosed;

	private int requested;

	private boolean compression;

	/**
	 * Remember the headers a call starts with. They are copied: grpc-java adds its own keys to the instance it gets.
	 * @param headers the caller's headers
	 */
	void started(Metadata headers) {
		Metadata copy = new Metadata();
		copy.merge(headers);
		this.headers = copy;
	}

	void requested(int numMessages) {
		this.requested += numMessages;
	}

	void sent(ReqT message) {
		this.message = message;
	}

	void halfClosed() {
		this.halfClosed = true;
	}

	void compression(boolean enabled) {
		this.compression = enabled;
	}

	/**
	 * Start {@code call} and do on it everything the caller has done so far.
	 * @param <RespT> the response type
	 * @param call a new call of the same method with the same options
	 * @param listener the listener for the new call
	 */
	<RespT> void replay(ClientCall<ReqT, RespT> call, ClientCall.Listener<RespT> listener) {
		Metadata copy = new Metadata();
		copy.merge(this.headers);
		call.start(listener, copy);
		if (this.compression) {
			call.setMessageCompression(true);
		}
		if (this.requested > 0) {
			call.request(this.requested);
		}
		if (this.message != null) {
			call.sendMessage(this.message);
		}
		if (this.halfClosed) {
			call.halfClose();
		}
	}

}

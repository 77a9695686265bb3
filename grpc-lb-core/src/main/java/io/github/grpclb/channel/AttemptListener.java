package io.github.grpclb.channel;

import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.Status;

/**
 * Listens to one attempt of a call the starter may start again, and forwards its answers to the caller's listener.
 * The attempt's first response header or message makes it final: from then on the caller has heard from it, so it
 * must not be replaced. What happens when the attempt closes is the owner's decision.
 *
 * @param <RespT> the response type
 */
abstract class AttemptListener<RespT> extends ClientCall.Listener<RespT> {

	private final ClientCall.Listener<RespT> caller;

	private volatile boolean answered;

	AttemptListener(ClientCall.Listener<RespT> caller) {
		this.caller = caller;
	}

	/** @return the listener of the call's caller */
	final ClientCall.Listener<RespT> caller() {
		return this.caller;
	}

	/** @return whether the attempt delivered a response header or message to the caller */
	final boolean answered() {
		return this.answered;
	}

	@Override
	public final void onHeaders(Metadata headers) {
		this.answered = true;
		this.caller.onHeaders(headers);
	}

	@Override
	public final void onMessage(RespT message) {
		this.answered = true;
		this.caller.onMessage(message);
	}

	@Override
	public final void onReady() {
		this.caller.onReady();
	}

	@Override
	public abstract void onClose(Status status, Metadata trailers);

}

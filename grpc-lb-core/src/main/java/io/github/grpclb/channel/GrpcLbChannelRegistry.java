package io.github.grpclb.channel;

import java.util.Set;

import io.grpc.ManagedChannel;

/**
 * The channels of the starter, by client name. Exposed as a bean so applications can inspect it.
 *
 * <p>
 * In pooled mode a client gets a long-lived channel of its own (never shared with another client, so name-keyed
 * configuration stays with its client); in
 * dial-per-request mode it gets a channel that opens a fresh connection for each call and closes it when the call
 * completes. Calling code is the same in both modes.
 */
public interface GrpcLbChannelRegistry {

	/**
	 * The channel of the named client, created on first use.
	 * @param clientName the client name, as in {@code @GrpcLbClient("name")}
	 * @return the channel; callers must not shut it down (the registry does that on close)
	 * @throws IllegalStateException once the registry is closed (calls in flight finish; new ones are refused)
	 */
	ManagedChannel channel(String clientName);

	/**
	 * Number of client-side channels open right now: pooled channels, or in dial-per-request mode the
	 * single-call channels whose call has not completed yet.
	 * @return the number of open channels
	 */
	int openChannels();

	/**
	 * Targets with a channel (pooled) or a dialer (dial-per-request).
	 * @return the normalised targets
	 */
	Set<String> targets();

	/**
	 * Whether each call dials its own connection.
	 * @return {@code true} in dial-per-request (rollback) mode
	 */
	boolean isDialPerRequest();

}

package io.github.grpclb.channel;

import io.grpc.ManagedChannelBuilder;

/**
 * Callback to customise a channel builder after the starter has applied its settings and before the channel is
 * built. Declare beans of this type; they are applied in order (Spring: {@code @Order}).
 *
 * <p>
 * Every channel belongs to exactly one client (two clients with the same target and settings still get a channel
 * each), so whatever a customizer does for {@code clientName} reaches that client's calls only. In dial-per-request
 * mode the customizers run for every single-call channel.
 */
@FunctionalInterface
public interface GrpcLbChannelBuilderCustomizer {

	/**
	 * Customise the builder.
	 * @param clientName the client the channel belongs to
	 * @param target the normalised target
	 * @param builder the builder to customise
	 */
	void customize(String clientName, String target, ManagedChannelBuilder<?> builder);

}

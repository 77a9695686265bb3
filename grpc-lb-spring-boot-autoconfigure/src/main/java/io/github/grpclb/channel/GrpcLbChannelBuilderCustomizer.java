package io.github.grpclb.channel;

import io.grpc.ManagedChannelBuilder;

/**
 * Callback to customise a channel builder after the starter has applied its settings and before the channel is
 * built. Declare beans of this type; they are applied in {@link org.springframework.core.annotation.Order order}.
 *
 * <p>
 * Pooled channels are keyed by target and settings, not by client, so a channel may serve several clients:
 * {@code clientName} is the client whose first use created it.
 */
@FunctionalInterface
public interface GrpcLbChannelBuilderCustomizer {

	/**
	 * Customise the builder.
	 * @param clientName the client whose use created the channel
	 * @param target the normalised target
	 * @param builder the builder to customise
	 */
	void customize(String clientName, String target, ManagedChannelBuilder<?> builder);

}

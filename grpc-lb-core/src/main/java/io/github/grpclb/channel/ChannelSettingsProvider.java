package io.github.grpclb.channel;

/**
 * Looks up the validated settings of a client by its name.
 */
@FunctionalInterface
public interface ChannelSettingsProvider {

	/**
	 * Return the settings of the named client.
	 * @param clientName the client name, as in {@code @GrpcLbClient("name")}
	 * @return the settings, never {@code null}
	 * @throws RuntimeException with a message naming the missing property when the client is not configured
	 */
	ChannelSettings forClient(String clientName);

}

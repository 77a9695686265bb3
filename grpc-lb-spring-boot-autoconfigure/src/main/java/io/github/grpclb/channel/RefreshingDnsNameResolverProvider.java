package io.github.grpclb.channel;

/**
 * The {@code dns} scheme for the starter's channels: a {@link RefreshingDnsNameResolver}. Installed on each channel
 * by {@link GrpcLbChannelFactory}, never in grpc-java's global registry.
 * <p>
 * Targets: {@code dns:///host:port} (the system's resolver, as the JDK resolves names) and
 * {@code dns://server[:port]/host:port} (queries go to that DNS server). With SRV on, the port may be left out:
 * it comes from the {@code _grpc._tcp.host} records.
 */
public final class RefreshingDnsNameResolverProvider extends ClientResolverProvider {

	/**
	 * Create a provider for one client.
	 * @param clientName the client (for logs and the listener)
	 * @param settings how to resolve
	 * @param listener told about every lookup
	 */
	public RefreshingDnsNameResolverProvider(String clientName, ResolverSettings settings,
			ResolutionListener listener) {
		super("dns", clientName, settings, listener);
	}

	@Override
	AddressLookup lookupFor(Target target, ResolverSettings settings) {
		return AddressLookup.forTarget(DnsTarget.of(target), settings);
	}

	@Override
	String describe(Target target) {
		String host = target.address().host();
		return (target.dnsServer() != null) ? host + " (DNS server " + target.dnsServer() + ")" : host;
	}

}

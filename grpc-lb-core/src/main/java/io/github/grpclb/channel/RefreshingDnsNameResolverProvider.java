package io.github.grpclb.channel;

import java.util.function.Supplier;

/**
 * The {@code dns} scheme for the starter's channels: a {@link RefreshingDnsNameResolver}. Installed on each channel
 * by {@link GrpcLbChannelFactory}, never in grpc-java's global registry.
 * <p>
 * Targets: {@code dns:///host:port} (the system's resolver configuration: hosts file, then the name servers, search
 * list and {@code ndots} of {@code /etc/resolv.conf}, queried by the starter so that no cache sits in between; the JDK
 * where there is no such configuration) and {@code dns://server[:port]/host:port} (queries go to that DNS server).
 * With SRV on, the port may be left out: it comes from the {@code _grpc._tcp.host} records.
 */
public final class RefreshingDnsNameResolverProvider extends ClientResolverProvider {

	private final Supplier<SystemResolverConfig> system;

	/**
	 * Create a provider for one client.
	 * @param clientName the client (for logs and the listener)
	 * @param settings how to resolve
	 * @param listener told about every lookup
	 */
	public RefreshingDnsNameResolverProvider(String clientName, ResolverSettings settings,
			ResolutionListener listener) {
		this(clientName, settings, listener, SystemResolverConfig::current);
	}

	/** A provider that reads the system resolver configuration from {@code system} (tests give their own). */
	RefreshingDnsNameResolverProvider(String clientName, ResolverSettings settings, ResolutionListener listener,
			Supplier<SystemResolverConfig> system) {
		super("dns", clientName, settings, listener);
		this.system = system;
	}

	@Override
	AddressLookup lookupFor(Target target, ResolverSettings settings) {
		return AddressLookup.forTarget(DnsTarget.of(target), settings, this.system);
	}

	@Override
	String describe(Target target) {
		String host = target.address().host();
		return (target.dnsServer() != null) ? host + " (DNS server " + target.dnsServer() + ")" : host;
	}

}

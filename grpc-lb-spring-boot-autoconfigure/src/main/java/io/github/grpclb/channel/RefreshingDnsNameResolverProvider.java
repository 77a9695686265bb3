package io.github.grpclb.channel;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.util.Collection;
import java.util.List;
import java.util.function.Supplier;

import io.grpc.NameResolver;
import io.grpc.NameResolverProvider;

/**
 * The {@code dns} scheme for the starter's channels: a {@link RefreshingDnsNameResolver}. Installed on each channel
 * by {@link GrpcLbChannelFactory}, never in grpc-java's global registry.
 * <p>
 * Targets: {@code dns:///host:port} (the system's resolver configuration: hosts file, then the name servers, search
 * list and {@code ndots} of {@code /etc/resolv.conf}, queried by the starter so that no cache sits in between; the JDK
 * where there is no such configuration) and {@code dns://server[:port]/host:port} (queries go to that DNS server).
 * With SRV on, the port may be left out: it comes from the {@code _grpc._tcp.host} records.
 */
public final class RefreshingDnsNameResolverProvider extends NameResolverProvider {

	private final ResolverSettings settings;

	private final Supplier<SystemResolverConfig> system;

	/**
	 * Create a provider.
	 * @param settings how to resolve
	 */
	public RefreshingDnsNameResolverProvider(ResolverSettings settings) {
		this(settings, SystemResolverConfig::current);
	}

	/** A provider that reads the system resolver configuration from {@code system} (tests give their own). */
	RefreshingDnsNameResolverProvider(ResolverSettings settings, Supplier<SystemResolverConfig> system) {
		this.settings = settings;
		this.system = system;
	}

	@Override
	protected boolean isAvailable() {
		return true;
	}

	@Override
	protected int priority() {
		return 5;
	}

	@Override
	public String getDefaultScheme() {
		return "dns";
	}

	@Override
	public Collection<Class<? extends SocketAddress>> getProducedSocketAddressTypes() {
		return List.of(InetSocketAddress.class);
	}

	@Override
	public NameResolver newNameResolver(URI targetUri, NameResolver.Args args) {
		if (!"dns".equalsIgnoreCase(targetUri.getScheme())) {
			return null;
		}
		DnsTarget target = DnsTarget.parse(targetUri, this.settings.srv());
		return new RefreshingDnsNameResolver(target, this.settings,
				AddressLookup.forTarget(target, this.settings, this.system), args.getSynchronizationContext(),
				args.getScheduledExecutorService(), args.getOffloadExecutor(), args.getChannelLogger());
	}

}

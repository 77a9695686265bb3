package io.github.grpclb.channel;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.util.Collection;
import java.util.List;

import io.grpc.NameResolver;
import io.grpc.NameResolverProvider;

/**
 * The {@code dns} scheme for the starter's channels: a {@link RefreshingDnsNameResolver}. Installed on each channel
 * by {@link GrpcLbChannelFactory}, never in grpc-java's global registry.
 * <p>
 * Targets: {@code dns:///host:port} (the system's resolver, as the JDK resolves names) and
 * {@code dns://server[:port]/host:port} (queries go to that DNS server). With SRV on, the port may be left out:
 * it comes from the {@code _grpc._tcp.host} records.
 */
public final class RefreshingDnsNameResolverProvider extends NameResolverProvider {

	private final ResolverSettings settings;

	/**
	 * Create a provider.
	 * @param settings how to resolve
	 */
	public RefreshingDnsNameResolverProvider(ResolverSettings settings) {
		this.settings = settings;
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
		return new RefreshingDnsNameResolver(target, this.settings, AddressLookup.forTarget(target, this.settings),
				args.getSynchronizationContext(), args.getScheduledExecutorService(), args.getOffloadExecutor(),
				args.getChannelLogger());
	}

}

package io.github.grpclb.channel;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.github.grpclb.test.Backends;
import io.github.grpclb.test.BackendsExtension;
import io.github.grpclb.test.DnsResponder;
import io.github.grpclb.test.proto.EchoRequest;
import io.github.grpclb.test.proto.EchoServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.xbill.DNS.Type;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A channel with the starter's resolver and a plain {@code dns:///orders:port} target, where the system resolver
 * configuration (a pod's: search list, {@code ndots:5}) names a DNS server in the test JVM. This JVM runs with the
 * JDK's default address cache (30s) and no DNS flag: a lookup through the JDK could not see a change sooner.
 */
class SystemResolverDiscoveryTests {

	private static final Duration REFRESH = Duration.ofSeconds(1);

	private static final ResolverSettings SETTINGS = new ResolverSettings(ResolverSettings.Type.REFRESHING, REFRESH,
			Duration.ofMillis(200), Duration.ofMillis(300), false);

	@RegisterExtension
	final BackendsExtension backendsExtension = new BackendsExtension(5);

	private final DnsResponder dns = new DnsResponder();

	private ManagedChannel channel;

	@AfterEach
	void close() throws InterruptedException {
		if (this.channel != null) {
			this.channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
		}
		this.dns.close();
	}

	@SuppressWarnings("deprecation") // nameResolverFactory scopes the resolver to this channel, as the starter does
	private EchoServiceGrpc.EchoServiceBlockingStub stub(String target) {
		SystemResolverConfig pod = new SystemResolverConfig(List.of(this.dns.socketAddress()),
				List.of("shop.svc.cluster.local", "svc.cluster.local", "cluster.local"), 5, null);
		this.channel = NettyChannelBuilder.forTarget(target)
			.nameResolverFactory(new RefreshingDnsNameResolverProvider("orders", SETTINGS, ResolutionListener.NONE, () -> pod))
			.defaultLoadBalancingPolicy("round_robin")
			.usePlaintext()
			.build();
		return EchoServiceGrpc.newBlockingStub(this.channel).withDeadlineAfter(5, TimeUnit.SECONDS);
	}

	private Backends backends() {
		return this.backendsExtension.get();
	}

	private List<String> ips(int count) {
		return backends().all().subList(0, count).stream()
			.map((b) -> b.address().substring(0, b.address().indexOf(':')))
			.toList();
	}

	@Test
	void whenTheServiceScalesUpThenTheNewPodGetsCallsOnTheNextRefreshWithoutAnyJvmDnsFlag() {
		assertThat(System.getProperty("sun.net.inetaddr.ttl")).as("no JVM DNS flag in this test JVM").isNull();
		this.dns.setAddresses("orders.shop.svc.cluster.local", ips(3));
		EchoServiceGrpc.EchoServiceBlockingStub stub = stub("dns:///orders:" + backends().port());
		await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
			stub.echo(EchoRequest.newBuilder().setMessage("warm").build());
			assertThat(backends().all().subList(0, 3)).allSatisfy((b) -> assertThat(b.calls()).isPositive());
		});
		assertThat(backends().all().get(3).calls()).as("not in DNS yet").isZero();
		this.dns.setAddresses("orders.shop.svc.cluster.local", ips(4));
		long start = System.nanoTime();
		await().atMost(REFRESH.plusSeconds(2)).untilAsserted(() -> {
			stub.echo(EchoRequest.newBuilder().setMessage("scaled").build());
			assertThat(backends().all().get(3).calls()).isPositive();
		});
		System.out.printf("new pod served %d ms after the DNS change (refresh-interval %s)%n",
				(System.nanoTime() - start) / 1_000_000, REFRESH);
		assertThat(this.dns.queries("orders.shop.svc.cluster.local", Type.A)).as("refreshes asked the DNS server")
			.isGreaterThanOrEqualTo(2);
	}

	@Test
	void whenAPodIsRemovedFromDnsThenItGetsNoMoreCalls() throws InterruptedException {
		this.dns.setAddresses("orders.shop.svc.cluster.local", ips(3));
		EchoServiceGrpc.EchoServiceBlockingStub stub = stub("dns:///orders:" + backends().port());
		await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
			stub.echo(EchoRequest.newBuilder().setMessage("warm").build());
			assertThat(backends().all().get(2).calls()).isPositive();
		});
		this.dns.setAddresses("orders.shop.svc.cluster.local", ips(2));
		Thread.sleep(REFRESH.plusSeconds(1).toMillis());
		int third = backends().all().get(2).calls();
		for (int i = 0; i < 20; i++) {
			stub.echo(EchoRequest.newBuilder().setMessage("after").build());
		}
		assertThat(backends().all().get(2).calls()).as("removed from DNS").isEqualTo(third);
		assertThat(backends().all().get(0).calls() + backends().all().get(1).calls()).isGreaterThanOrEqualTo(20);
	}

}

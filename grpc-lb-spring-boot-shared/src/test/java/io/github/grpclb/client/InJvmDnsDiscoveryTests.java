package io.github.grpclb.client;

import java.util.List;
import java.util.Map;

import io.github.grpclb.test.Backends;
import io.github.grpclb.test.DnsResponder;
import io.github.grpclb.test.TestContexts;
import io.github.grpclb.test.proto.EchoRequest;
import io.github.grpclb.test.proto.EchoServiceGrpc;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Type;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The discovery scenarios against a DNS server inside the test JVM (real DNS messages over UDP).
 */
class InJvmDnsDiscoveryTests extends DnsDiscoveryScenarios {

	private DnsResponder dns;

	@BeforeEach
	void startDns() {
		this.dns = new DnsResponder();
	}

	@AfterEach
	void stopDns() {
		this.dns.close();
	}

	@Override
	protected String dnsServer() {
		return this.dns.address();
	}

	@Override
	protected void publish(String name, List<String> ips) {
		this.dns.setAddresses(name, ips);
	}

	@Override
	protected void publishSrv(String srvName, int port, Map<String, String> targets) {
		targets.forEach((host, ip) -> this.dns.setAddresses(host, List.of(ip)));
		this.dns.setSrv(srvName, port, List.copyOf(targets.keySet()));
	}

	@Override
	protected void outage(boolean down) {
		this.dns.answering(!down);
	}

	@Override
	protected int addressQueries() {
		return this.dns.queries(NAME, Type.A);
	}

	@Test
	void whenNoDnsServerAnswersFromTheStartThenCallsFailUnavailableNamingTheTarget() {
		this.dns.answering(false);
		runner(target()).run((context) -> {
			EchoServiceGrpc.EchoServiceBlockingStub stub = context.getBean(DistributionTests.ConstructorInjected.class).stub;
			assertThat(org.assertj.core.api.Assertions.catchThrowable(
					() -> stub.echo(EchoRequest.newBuilder().setMessage("x").build())))
				.isInstanceOf(io.grpc.StatusRuntimeException.class)
				.hasMessageContaining("UNAVAILABLE")
				.hasMessageContaining("gRPC client 'orders': resolving " + NAME);
		});
	}

	@Test
	void whenTheIntegrationsOwnClientHasADnsAddressThenItUsesTheRefreshingResolverAndTheNamedDnsServer() {
		// A channel of net.devh (Boot 3.5) or Spring gRPC (Boot 4), not the starter's. grpc-java's own resolver would
		// ignore the server in the address and fail on orders.test.
		publish(NAME, ips(3));
		TestContexts.withIntegrationClient(TestContexts.runner(), "orders", target())
			.withPropertyValues("grpc.lb.defaults.resolver.refresh-interval=1s",
					"grpc.lb.defaults.resolver.min-refresh-interval=200ms")
			.run((context) -> {
				EchoServiceGrpc.EchoServiceBlockingStub stub = TestContexts.integrationClient(context, "orders");
				for (int i = 0; i < 30; i++) {
					stub.echo(EchoRequest.newBuilder().setMessage("devh").build());
				}
				// Only the three addresses the DNS server gave; the first calls may come before every connection is up.
				assertThat(backends().all().subList(0, 3)).allSatisfy((b) -> assertThat(b.calls()).isPositive());
				assertThat(backends().all().get(3).calls() + backends().all().get(4).calls()).isZero();
				publish(NAME, ips(4));
				await().atMost(REFRESH.plusSeconds(2)).untilAsserted(() -> {
					stub.echo(EchoRequest.newBuilder().setMessage("devh").build());
					assertThat(backends().all().get(3).calls()).isPositive();
				});
			});
	}

	@Test
	void whenRecordTtlsAreShorterThanTheRefreshIntervalThenTheResolverFollowsTheTtl() {
		this.dns.ttl(1);
		publish(NAME, ips(3));
		runner(target(), "grpc.lb.clients.orders.resolver.refresh-interval=60s").run((context) -> {
			EchoServiceGrpc.EchoServiceBlockingStub stub = context.getBean(DistributionTests.ConstructorInjected.class).stub;
			stub.echo(EchoRequest.newBuilder().setMessage("first").build());
			publish(NAME, ips(4));
			await().atMost(java.time.Duration.ofSeconds(4)).untilAsserted(() -> {
				stub.echo(EchoRequest.newBuilder().setMessage("ttl").build());
				assertThat(backends().all().get(3).calls()).as("seen long before the 60s refresh-interval").isPositive();
			});
		});
	}

	@Test
	void theRefreshingResolverIsNotInstalledJvmWide() {
		publish(NAME, ips(3));
		runner(target()).run((context) -> {
			context.getBean(DistributionTests.ConstructorInjected.class).stub
				.echo(EchoRequest.newBuilder().setMessage("x").build());
			assertThat(io.grpc.NameResolverRegistry.getDefaultRegistry().getProviderForScheme("dns"))
				.isNotInstanceOf(io.github.grpclb.channel.RefreshingDnsNameResolverProvider.class);
		});
	}

	@Test
	void whenTheStockResolverIsChosenThenDnsTargetsStillWork() {
		runner("dns:///" + Backends.HOST + ":" + backends().port(), "grpc.lb.clients.orders.resolver.type=grpc")
			.run((context) -> {
				EchoServiceGrpc.EchoServiceBlockingStub stub = context.getBean(DistributionTests.ConstructorInjected.class).stub;
				assertThat(stub.echo(EchoRequest.newBuilder().setMessage("stock").build()).getMessage()).isEqualTo("stock");
				assertThat(this.dns.queries()).as("the stock resolver does not ask our DNS server").isZero();
			});
	}

}

package io.github.grpclb.client;

import java.util.List;
import java.util.Map;

import io.github.grpclb.test.Backends;
import io.github.grpclb.test.DnsResponder;
import io.github.grpclb.test.proto.EchoRequest;
import io.github.grpclb.test.proto.EchoServiceGrpc;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

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
	protected int queries() {
		return this.dns.queries();
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
				.hasMessageContaining("DNS resolution of " + NAME);
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

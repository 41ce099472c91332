// `gantry controller --interruption-queue` end to end, on moto's SQS queue of the test
// environment (moto has no EventBridge: the test sends the events' bodies itself):
//   - a spot interruption warning for the instance under a Deployment's pod: a replacement is
//     launched in another spot pool (the reclaimed offering is marked unavailable), the node
//     is drained, the instance terminated and the pod Running again on the replacement, all
//     within 60 s, with no pod left without capacity and no extra instance;
//   - a garbage message is deleted with exactly one log line (it never comes back);
//   - a queue that does not exist is one clear warning and retries, the controller running on.
// The environment has one queue, so this suite runs alone (SERIAL); other suites' controllers
// do not read it (e2e_fixture.h).
#include "cloudprovider/aws/sqs/sqs_api.h"
#include "src/api/condition.h"
#include "tests/e2e/e2e_fixture.h"

namespace gantry::e2e {
namespace {

std::string nodeOf(const json& pod) { return pod.value("spec", json::object()).value("nodeName", ""); }
std::string label(const json& object, const std::string& key) {
  return meta(object).value("labels", json::object()).value(key, "");
}

class InterruptionE2eTest : public GantryE2eTest {
 protected:
  void SetUp() override {
    GantryE2eTest::SetUp();
    if (HasFatalFailure()) return;
    for (const char* key : {"GANTRY_SQS_ENDPOINT", "GANTRY_INTERRUPTION_QUEUE"}) {
      ASSERT_FALSE(env().get(key).empty())
          << env().path() << " has no " << key
          << ": the environment predates the interruption queue; run tests/testenv/down, then up";
    }
    sqs_ = std::make_unique<aws::JsonSqsApi>(
        aws::JsonSqsApiOptions{.region = env().region(), .endpoint = env().sqsEndpoint()}, http_,
        *credentials_, clock_, [](std::string_view) -> std::optional<std::string> { return std::nullopt; });
    auto url = sqs_->getQueueUrl(env().interruptionQueue());
    ASSERT_TRUE(url) << url.error().toString();
    queueUrl_ = *url;
    ASSERT_NO_FATAL_FAILURE(clearQueue());
    ASSERT_NO_FATAL_FAILURE(createNodeClass(run_, /*registers=*/true));
  }

  // Deletes whatever an earlier run left visible, then waits out the long polls of an earlier
  // run's controller: one stopped mid-poll leaves its ReceiveMessage running in SQS for up to
  // 20 s, and that poll takes the next message sent (in flight, so invisible for the queue's
  // 30 s visibility timeout) although nobody will read its answer. Each such poll takes one
  // sentinel, a well-formed event of no interest to Gantry (source gantry.e2e), and ends; the
  // sentinel that comes back to us says none is left. A sentinel taken reappears later and a
  // controller deletes it as a noop.
  void clearQueue() {
    for (;;) {
      auto batch = sqs_->receiveMessages(queueUrl_, {.maxMessages = 10, .waitTime = std::chrono::seconds(0)});
      ASSERT_TRUE(batch) << batch.error().toString();
      if (batch->empty()) break;
      for (const auto& m : *batch) (void)sqs_->deleteMessage(queueUrl_, m.receiptHandle);
    }
    const std::string sentinel =
        json{{"version", "0"}, {"id", "sentinel-" + run_}, {"detail-type", "Gantry e2e queue sentinel"},
             {"source", "gantry.e2e"}, {"detail", json::object()}}
            .dump();
    for (int attempt = 0; attempt < 10; ++attempt) {
      ASSERT_TRUE(sqs_->sendMessage(queueUrl_, sentinel));
      auto batch = sqs_->receiveMessages(queueUrl_, {.maxMessages = 10, .waitTime = std::chrono::seconds(2)});
      ASSERT_TRUE(batch) << batch.error().toString();
      bool back = false;
      for (const auto& m : *batch) {
        back = back || m.body == sentinel;
        (void)sqs_->deleteMessage(queueUrl_, m.receiptHandle);
      }
      if (back) return;
    }
    FAIL() << "the interruption queue's sentinel never came back: something else keeps reading it";
  }

  void startWithQueue() {
    ASSERT_NO_FATAL_FAILURE(startController(
        {"--interruption-queue", env().interruptionQueue(), "--sqs-endpoint", env().sqsEndpoint()}));
  }

  // A spot pool of c5.large only: after a reclaim the replacement must go to another zone.
  void createSpotPool() {
    json pool = {
        {"apiVersion", "gantry.dev/v1"},
        {"kind", "NodePool"},
        {"metadata", {{"name", run_}, {"labels", {{"e2e-run", run_}}}}},
        {"spec",
         {{"template",
           {{"metadata", {{"labels", {{"e2e-run", run_}}}}},
            {"spec",
             {{"nodeClassRef", {{"group", "gantry.dev"}, {"kind", "EC2NodeClass"}, {"name", run_}}},
              {"requirements",
               json::array({{{"key", "node.kubernetes.io/instance-type"}, {"operator", "In"}, {"values", {"c5.large"}}},
                            {{"key", "gantry.dev/capacity-type"}, {"operator", "In"}, {"values", {"spot"}}}})}}}}},
          {"limits", {{"cpu", "16"}}},
          // Nothing but the interruption may take nodes away during the test.
          {"disruption", {{"consolidationPolicy", "WhenEmpty"}, {"consolidateAfter", "10m"}}}}}};
    auto r = client().create(kube::kNodePoolsPath, pool);
    ASSERT_TRUE(r) << r.error().message();
    pools_.push_back(run_);
  }

  void deploy(const std::string& app, int replicas) {
    auto r = client().create({.group = "apps", .resource = "deployments", .ns = run_},
                             deploymentManifest(app, run_, replicas, "500m", runSelector()));
    ASSERT_TRUE(r) << r.error().message();
  }


  void send(const std::string& body) {
    auto id = sqs_->sendMessage(queueUrl_, body);
    ASSERT_TRUE(id) << id.error().toString();
  }

  std::unique_ptr<aws::JsonSqsApi> sqs_;
  std::string queueUrl_;
};

std::string spotWarning(const std::string& instanceId) {
  return json{{"version", "0"},
              {"id", "e2e-" + instanceId},
              {"detail-type", "EC2 Spot Instance Interruption Warning"},
              {"source", "aws.ec2"},
              {"account", "123456789012"},
              {"time", api::formatTimestamp(std::chrono::system_clock::now())},
              {"region", "us-east-1"},
              {"resources", json::array({"arn:aws:ec2:us-east-1b:instance/" + instanceId})},
              {"detail", {{"instance-id", instanceId}, {"instance-action", "terminate"}}}}
      .dump();
}

TEST_F(InterruptionE2eTest, SpotWarningReplacesTheNodeDrainsItAndTerminatesTheInstance) {
  ASSERT_NO_FATAL_FAILURE(createSpotPool());
  ASSERT_NO_FATAL_FAILURE(startWithQueue());
  ASSERT_NO_FATAL_FAILURE(deploy("web", 1));
  ASSERT_TRUE(eventually(
      [&] {
        auto p = livePods(pods(), "web-");
        return p.size() == 1 && phase(p[0]) == "Running";
      },
      180s, 250ms))
      << json(pods()).dump() << "\n" << controller_->output();
  const std::string oldNode = nodeOf(livePods(pods(), "web-")[0]);
  ASSERT_EQ(liveInstances().size(), 1u);
  const cloudprovider::CloudInstance old = liveInstances()[0];
  ASSERT_EQ(old.capacityType, api::CapacityType::kSpot);
  std::string oldClaim;
  for (const auto& c : claims()) {
    if (c.value("status", json::object()).value("nodeName", "") == oldNode) oldClaim = name(c);
  }
  ASSERT_FALSE(oldClaim.empty()) << json(claims()).dump();

  const auto sent = std::chrono::steady_clock::now();
  ASSERT_NO_FATAL_FAILURE(send(spotWarning(old.instanceId)));

  // Within 60 s: the old claim, Node and instance gone, a replacement launched elsewhere, and
  // the Deployment's pod Running on it.
  std::string replacementNode;
  const bool replaced = eventually(
      [&] {
        for (const auto& c : claims()) {
          if (name(c) == oldClaim) return false;
        }
        for (const auto& n : nodes()) {
          if (name(n) == oldNode) return false;
        }
        for (const auto& i : liveInstances()) {
          if (i.instanceId == old.instanceId) return false;
        }
        auto p = livePods(pods(), "web-");
        if (p.size() != 1 || phase(p[0]) != "Running" || nodeOf(p[0]) == oldNode) return false;
        replacementNode = nodeOf(p[0]);
        return true;
      },
      60s, 250ms);
  const auto took = std::chrono::steady_clock::now() - sent;
  ASSERT_TRUE(replaced) << "claims: " << json(claims()).dump() << "\nnodes: " << json(nodes()).dump()
                        << "\npods: " << json(pods()).dump() << "\n" << controller_->output();
  std::printf("[ metric ] spot warning to pod Running on the replacement: %lld ms\n",
              static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(took).count()));
  // Whether a provisioning pass saw the pod still on the interrupted node (planned before its
  // eviction) or only its ReplicaSet's new pod: both are right; KWOK evicts in milliseconds.
  std::printf("[ metric ] pods planned before their eviction: %s\n",
              controller_->waitFor("planning the pods of interrupted nodes", 0ms) ? "yes" : "no");

  // The replacement is the one instance left: the pod had capacity, and no more was bought.
  const auto live = liveInstances();
  ASSERT_EQ(live.size(), 1u);
  EXPECT_EQ(live[0].capacityType, api::CapacityType::kSpot);
  EXPECT_EQ(live[0].instanceType, "c5.large");
  EXPECT_NE(live[0].zone, old.zone) << "the reclaimed offering (c5.large, " << old.zone
                                    << ", spot) is unavailable for a while";
  for (const auto& n : nodes()) {
    if (name(n) == replacementNode) {
      EXPECT_EQ(label(n, "topology.kubernetes.io/zone"), live[0].zone);
    }
  }
  for (const auto& p : pods()) EXPECT_NE(phase(p), "Pending") << name(p) << " has no capacity";

  // What was received and done, on the NodeClaim and in the metrics and log.
  EXPECT_FALSE(eventsFor(oldClaim, "default", "SpotInterrupted").empty());
  EXPECT_FALSE(eventsFor(oldNode, "default", "SpotInterrupted").empty());
  EXPECT_FALSE(eventsFor(oldClaim, "default", "DisruptionTerminating").empty());
  // SQS delivers at least once (and a send the test's client retried after a timeout arrives
  // twice), so the same warning may be handled again: that must be harmless, and the claim
  // below is terminated once all the same. Seen once with the machine fully loaded.
  EXPECT_GE(metricValue("gantry_interruption_messages_total",
                        {{"kind", "spot-interruption"}, {"action", "cordon-and-drain"}}),
            1.0);
  EXPECT_GE(metricValue("gantry_interruption_message_latency_seconds_count", {}), 1.0);
  EXPECT_EQ(metricValue("gantry_nodeclaims_terminated_total", {{"nodepool", run_}, {"reason", "Interrupted"}}), 1.0);
  EXPECT_TRUE(controller_->waitFor("marked offering unavailable capacity_type=spot instance_type=c5.large zone=" + old.zone, 1s))
      << controller_->output();
}

TEST_F(InterruptionE2eTest, GarbageMessageIsDeletedWithOneLogLine) {
  ASSERT_NO_FATAL_FAILURE(startWithQueue());
  ASSERT_TRUE(controller_->waitFor("found interruption queue", 30s)) << controller_->output();
  ASSERT_NO_FATAL_FAILURE(send("{\"this is\": \"not an EventBridge event\""));
  ASSERT_TRUE(controller_->waitFor("malformed interruption message", 30s)) << controller_->output();
  // Had it not been deleted, it would be received again after the queue's 30 s visibility
  // timeout and counted again.
  std::this_thread::sleep_for(35s);
  EXPECT_EQ(metricValue("gantry_interruption_messages_total", {{"kind", "invalid"}, {"action", "malformed"}}), 1.0);
  (void)controller_->terminate(10s);
  const std::string out = controller_->output();
  size_t lines = 0;
  for (size_t at = out.find("malformed interruption message"); at != std::string::npos;
       at = out.find("malformed interruption message", at + 1)) {
    ++lines;
  }
  EXPECT_EQ(lines, 1u) << out;
  EXPECT_EQ(out.find("cannot delete"), std::string::npos) << out;
  auto left = sqs_->receiveMessages(queueUrl_, {.maxMessages = 10, .waitTime = std::chrono::seconds(1)});
  ASSERT_TRUE(left) << left.error().toString();
  EXPECT_TRUE(left->empty()) << "the queue still holds " << left->size() << " message(s)";
}

TEST_F(InterruptionE2eTest, AQueueThatDoesNotExistIsOneWarningAndRetries) {
  const std::string missing = "gantry-e2e-no-such-queue-" + run_;
  ASSERT_NO_FATAL_FAILURE(startController({"--interruption-queue", missing, "--sqs-endpoint", env().sqsEndpoint()}));
  ASSERT_TRUE(controller_->waitFor("cannot find interruption queue (it does not exist", 30s)) << controller_->output();
  // Backing off (1 s, 2 s, 4 s, ...): retried, but not told again.
  std::this_thread::sleep_for(8s);
  const std::string out = controller_->output();
  size_t warnings = 0;
  for (size_t at = out.find("cannot find interruption queue"); at != std::string::npos;
       at = out.find("cannot find interruption queue", at + 1)) {
    ++warnings;
  }
  EXPECT_EQ(warnings, 1u) << out;
  EXPECT_NE(out.find(missing), std::string::npos) << "the warning names the queue:\n" << out;
  // Still serving: the other controllers are unaffected.
  EXPECT_FALSE(metricsText().empty());
  EXPECT_EQ(controller_->terminate(10s), 0) << controller_->output();
}

}  // namespace
}  // namespace gantry::e2e

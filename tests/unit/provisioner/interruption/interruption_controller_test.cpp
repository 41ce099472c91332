// InterruptionController::pollOnce over an in-process SQS queue and the in-memory cluster:
// a malformed message is deleted and logged once, a message for an instance Gantry does not
// own is deleted quietly, a spot warning fences the node, marks the offering unavailable and
// deletes the claim with reason Interrupted (Events, metrics), a rebalance recommendation is
// only counted, state changes and scheduled changes drain too, and nothing is deleted from the
// queue when SQS or the apiserver fail (retried next poll; SQS failures logged once a streak).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <prometheus/registry.h>
#include <spdlog/sinks/ostream_sink.h>

#include <sstream>
#include <thread>

#include "cloudprovider/aws/unavailable_offerings.h"
#include "provisioner/interruption/interruption_controller.h"
#include "provisioner/nodeclaim/drain.h"
#include "src/common/logging.h"
#include "tests/fakes/fake_clock.h"
#include "tests/fakes/fake_event_recorder.h"
#include "tests/support/metric_samples.h"
#include "tests/unit/provisioner/interruption/fake_sqs_api.h"
#include "tests/unit/provisioner/nodeclaim/fake_lifecycle.h"

namespace gantry::provisioner::interruption {
namespace {

using namespace std::chrono_literals;
using nodeclaim::testing::FakeCluster;
using gantry::testing::histogramSum;
using gantry::testing::sampleValue;
using testing::FakeSqsApi;
using ::testing::HasSubstr;
using json = nlohmann::json;
namespace nc = api::nodeclaim;

constexpr const char* kInstance = "i-0123456789abcdef0";
constexpr const char* kStranger = "i-0fedcba9876543210";

std::string event(const std::string& source, const std::string& detailType, const json& detail,
                  const std::string& time = "2015-08-30T12:35:30Z") {
  return json{{"version", "0"},
              {"id", "ev-1"},
              {"detail-type", detailType},
              {"source", source},
              {"account", "123456789012"},
              {"time", time},
              {"region", "us-east-1"},
              {"resources", json::array()},
              {"detail", detail}}
      .dump();
}
std::string spotWarning(const std::string& instance) {
  return event("aws.ec2", "EC2 Spot Instance Interruption Warning",
               {{"instance-id", instance}, {"instance-action", "terminate"}});
}

size_t countLines(const std::string& text, const std::string& needle) {
  size_t n = 0;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) n += line.find(needle) != std::string::npos;
  return n;
}

class InterruptionTest : public ::testing::Test {
 protected:
  InterruptionTest()
      : cluster_(clock_), offerings_(clock_), metrics_(registry_), disruptionMetrics_(registry_),
        handler_(cluster_, cluster_, events_,
                 [this](api::CapacityType c, const std::string& t, const std::string& z,
                        const std::string& r) { offerings_.mark(c, t, z, r); },
                 &disruptionMetrics_),
        controller_(sqs_, cluster_, handler_, clock_,
                    {.queueName = "q", .workers = 1},  // the fake cluster is single-threaded
                    &metrics_) {
    sink_ = std::make_shared<spdlog::sinks::ostream_sink_mt>(log_);
    componentLogger("interruption")->sinks().push_back(sink_);
    putSpotNode("c1", kInstance);
  }
  ~InterruptionTest() override {
    auto& sinks = componentLogger("interruption")->sinks();
    sinks.erase(std::remove(sinks.begin(), sinks.end(), sink_), sinks.end());
  }

  // A spot NodeClaim on m5.large in us-east-1a with its Node node-<name>.
  void putSpotNode(const std::string& name, const std::string& instance) {
    api::NodeClaim c;
    c.name = name;
    c.labels = {{"gantry.dev/nodepool", "spot"},
                {"node.kubernetes.io/instance-type", "m5.large"},
                {"topology.kubernetes.io/zone", "us-east-1a"},
                {"gantry.dev/capacity-type", "spot"}};
    c.finalizers = {std::string(nc::kTerminationFinalizer)};
    c.nodeClassRef = {.group = "gantry.dev", .kind = "EC2NodeClass", .name = "default"};
    c.providerId = "aws:///us-east-1a/" + instance;
    c.nodeName = "node-" + name;
    cluster_.putClaim(c);
    cluster_.putNode(json{{"apiVersion", "v1"},
                          {"kind", "Node"},
                          {"metadata", {{"name", "node-" + name}}},
                          {"spec", {{"providerID", c.providerId}}}});
  }
  void send(const std::string& body) { ASSERT_TRUE(sqs_.sendMessage(FakeSqsApi::kUrl, body)); }

  bool deleting(const std::string& claim) {
    auto c = cluster_.nodeClaim(claim);
    return c && c->deleting();
  }
  std::string reasonOf(const std::string& claim) {
    auto c = cluster_.nodeClaim(claim);
    if (!c) return "";
    auto it = c->annotations.find(std::string(nc::kDisruptionReasonAnnotation));
    return it == c->annotations.end() ? "" : it->second;
  }
  bool fenced(const std::string& node) {
    auto raw = cluster_.rawNode(node);
    if (!raw) return false;
    const json spec = raw->value("spec", json::object());
    bool tainted = false;
    for (const auto& t : spec.value("taints", json::array())) {
      tainted = tainted || (t.value("key", "") == nodeclaim::kDisruptedTaintKey &&
                            t.value("effect", "") == "NoSchedule");
    }
    return tainted && spec.value("unschedulable", false);
  }
  double messages(const std::string& kind, const std::string& action) {
    return sampleValue(registry_, "gantry_interruption_messages_total",
                       {{"kind", kind}, {"action", action}})
        .value_or(0);
  }
  std::string logText() {
    sink_->flush();
    return log_.str();
  }

  FakeClock clock_;
  FakeCluster cluster_;
  FakeSqsApi sqs_;
  kube::FakeEventRecorder events_;
  cloudprovider::aws::UnavailableOfferings offerings_;
  prometheus::Registry registry_;
  InterruptionMetrics metrics_;
  ProvisionerMetrics disruptionMetrics_;
  InterruptionHandler handler_;
  InterruptionController controller_;
  std::ostringstream log_;
  std::shared_ptr<spdlog::sinks::ostream_sink_mt> sink_;
};

TEST_F(InterruptionTest, LongPollsInBatchesOfTen) {
  PollResult r = controller_.pollOnce();
  EXPECT_TRUE(r.error.isOk()) << r.error.toString();
  ASSERT_TRUE(sqs_.lastOptions);
  EXPECT_EQ(sqs_.lastOptions->maxMessages, 10);
  EXPECT_EQ(sqs_.lastOptions->waitTime, 20s);
  EXPECT_EQ(sqs_.calls("getQueueUrl"), 1);
  (void)controller_.pollOnce();
  EXPECT_EQ(sqs_.calls("getQueueUrl"), 1) << "the URL is looked up once";
}

TEST_F(InterruptionTest, SpotWarningFencesMarksTheOfferingAndDeletesTheClaimAsInterrupted) {
  send(spotWarning(kInstance));
  PollResult r = controller_.pollOnce();
  EXPECT_TRUE(r.error.isOk()) << r.error.toString();
  EXPECT_EQ(r.received, 1u);
  EXPECT_EQ(r.deleted, 1u);
  EXPECT_EQ(sqs_.size(), 0u);

  EXPECT_TRUE(deleting("c1"));
  EXPECT_EQ(reasonOf("c1"), "Interrupted");
  EXPECT_TRUE(fenced("node-c1"));
  EXPECT_TRUE(offerings_.isUnavailable(api::CapacityType::kSpot, "m5.large", "us-east-1a"));
  EXPECT_FALSE(offerings_.isUnavailable(api::CapacityType::kSpot, "m5.large", "us-east-1b"));

  EXPECT_EQ(events_.count("SpotInterrupted", "c1"), 1u);
  EXPECT_EQ(events_.count("SpotInterrupted", "node-c1"), 1u);
  EXPECT_EQ(events_.count("DisruptionTerminating", "c1"), 1u);
  EXPECT_EQ(events_.count("DisruptionTerminating", "node-c1"), 1u);
  EXPECT_EQ(messages("spot-interruption", "cordon-and-drain"), 1);
  EXPECT_EQ(sampleValue(registry_, "gantry_nodeclaims_disrupted_total",
                        {{"nodepool", "spot"}, {"reason", "Interrupted"}}),
            1);
  // The event happened 30 s before the fake clock's now.
  EXPECT_EQ(sampleValue(registry_, "gantry_interruption_message_latency_seconds", {}), 1);
  EXPECT_EQ(histogramSum(registry_, "gantry_interruption_message_latency_seconds", {}), 30);
}

TEST_F(InterruptionTest, ADuplicateDeliveryOfAHandledWarningIsHarmless) {
  send(spotWarning(kInstance));
  (void)controller_.pollOnce();
  ASSERT_TRUE(deleting("c1"));
  send(spotWarning(kInstance));
  PollResult r = controller_.pollOnce();
  EXPECT_TRUE(r.error.isOk());
  EXPECT_EQ(r.deleted, 1u);
  EXPECT_EQ(events_.count("DisruptionTerminating", "c1"), 1u) << "deleted once";
  EXPECT_EQ(messages("spot-interruption", "cordon-and-drain"), 2);
}

TEST_F(InterruptionTest, MalformedMessageIsDeletedAndLoggedOnce) {
  send("this is not an EventBridge event");
  // Its first delete fails: it comes back, and is deleted then without a second log line.
  sqs_.failNext("deleteMessageBatch", Status::unavailable("SQS DeleteMessageBatch: 503"));
  PollResult first = controller_.pollOnce();
  EXPECT_FALSE(first.error.isOk());
  EXPECT_EQ(sqs_.size(), 1u);
  sqs_.expireVisibility();
  PollResult second = controller_.pollOnce();
  EXPECT_TRUE(second.error.isOk()) << second.error.toString();
  EXPECT_EQ(second.deleted, 1u);
  EXPECT_EQ(sqs_.size(), 0u);

  const std::string log = logText();
  EXPECT_EQ(countLines(log, "malformed interruption message"), 1u) << log;
  EXPECT_THAT(log, HasSubstr("message_id=m1"));
  EXPECT_THAT(log, HasSubstr("not JSON"));
  EXPECT_EQ(messages("invalid", "malformed"), 2);
  EXPECT_FALSE(deleting("c1"));
  EXPECT_TRUE(events_.events().empty());
}

TEST_F(InterruptionTest, MessageForAnInstanceWeDoNotOwnIsDeletedQuietly) {
  send(spotWarning(kStranger));
  PollResult r = controller_.pollOnce();
  EXPECT_TRUE(r.error.isOk());
  EXPECT_EQ(r.deleted, 1u);
  EXPECT_EQ(sqs_.size(), 0u);
  EXPECT_FALSE(deleting("c1"));
  EXPECT_FALSE(fenced("node-c1"));
  EXPECT_EQ(offerings_.size(), 0u) << "no offering of ours was reclaimed";
  EXPECT_TRUE(events_.events().empty());
  EXPECT_EQ(messages("spot-interruption", "not-owned"), 1);
  EXPECT_EQ(countLines(logText(), "warn"), 0u) << logText();
}

TEST_F(InterruptionTest, RebalanceRecommendationIsOnlyCounted) {
  send(event("aws.ec2", "EC2 Instance Rebalance Recommendation", {{"instance-id", kInstance}}));
  PollResult r = controller_.pollOnce();
  EXPECT_EQ(r.deleted, 1u);
  EXPECT_FALSE(deleting("c1"));
  EXPECT_FALSE(fenced("node-c1"));
  EXPECT_EQ(offerings_.size(), 0u);
  EXPECT_TRUE(events_.events().empty());
  EXPECT_EQ(messages("rebalance-recommendation", "none"), 1);
}

TEST_F(InterruptionTest, StoppingInstanceAndScheduledRetirementDrainWithoutMarkingOfferings) {
  putSpotNode("c2", "i-0aaaaaaaaaaaaaaa2");
  send(event("aws.ec2", "EC2 Instance State-change Notification",
             {{"instance-id", kInstance}, {"state", "stopping"}}));
  send(event("aws.health", "AWS Health Event",
             {{"service", "EC2"},
              {"eventTypeCategory", "scheduledChange"},
              {"eventTypeCode", "AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED"},
              {"affectedEntities", json::array({{{"entityValue", "i-0aaaaaaaaaaaaaaa2"}}})}}));
  PollResult r = controller_.pollOnce();
  EXPECT_EQ(r.received, 2u);
  EXPECT_EQ(r.deleted, 2u);
  EXPECT_TRUE(deleting("c1"));
  EXPECT_TRUE(deleting("c2"));
  EXPECT_TRUE(fenced("node-c1"));
  EXPECT_TRUE(fenced("node-c2"));
  EXPECT_EQ(reasonOf("c2"), "Interrupted");
  EXPECT_EQ(events_.count("InstanceStopping", "c1"), 1u);
  EXPECT_EQ(events_.count("InstanceUnhealthy", "node-c2"), 1u);
  EXPECT_EQ(offerings_.size(), 0u) << "only a spot reclaim says the pool has no room";
  EXPECT_EQ(messages("state-change", "cordon-and-drain"), 1);
  EXPECT_EQ(messages("scheduled-change", "cordon-and-drain"), 1);
}

TEST_F(InterruptionTest, OurOwnTerminationReportedBackIsNotToldAgain) {
  ASSERT_TRUE(cluster_.deleteNodeClaim("c1").isOk());  // termination under way
  ASSERT_TRUE(deleting("c1"));
  send(event("aws.ec2", "EC2 Instance State-change Notification",
             {{"instance-id", kInstance}, {"state", "shutting-down"}}));
  PollResult r = controller_.pollOnce();
  EXPECT_EQ(r.deleted, 1u);
  EXPECT_TRUE(events_.events().empty());
  EXPECT_EQ(messages("state-change", "none"), 1);
}

TEST_F(InterruptionTest, RunningStateChangeIsNoop) {
  send(event("aws.ec2", "EC2 Instance State-change Notification",
             {{"instance-id", kInstance}, {"state", "running"}}));
  PollResult r = controller_.pollOnce();
  EXPECT_EQ(r.deleted, 1u);
  EXPECT_FALSE(deleting("c1"));
  EXPECT_EQ(messages("noop", "none"), 1);
}

TEST_F(InterruptionTest, SqsReceiveErrorLeavesTheMessageAndIsRetriedLoggedOncePerStreak) {
  send(spotWarning(kInstance));
  sqs_.failNext("receiveMessages", Status::unavailable("SQS ReceiveMessage: HTTP 503"));
  PollResult first = controller_.pollOnce();
  EXPECT_TRUE(first.error.isUnavailable());
  EXPECT_EQ(sqs_.size(), 1u);
  EXPECT_FALSE(deleting("c1"));
  sqs_.failNext("receiveMessages", Status::unavailable("SQS ReceiveMessage: HTTP 503"));
  EXPECT_FALSE(controller_.pollOnce().error.isOk());

  PollResult third = controller_.pollOnce();
  EXPECT_TRUE(third.error.isOk());
  EXPECT_EQ(third.deleted, 1u);
  EXPECT_TRUE(deleting("c1"));
  const std::string log = logText();
  EXPECT_EQ(countLines(log, "cannot receive from interruption queue"), 1u) << log;
  EXPECT_EQ(countLines(log, "interruption queue reachable again"), 1u) << log;
}

TEST_F(InterruptionTest, ApiserverErrorKeepsTheMessageForARetry) {
  send(spotWarning(kInstance));
  cluster_.failNext("deleteNodeClaim", Status::unavailable("apiserver: 503"));
  PollResult first = controller_.pollOnce();
  EXPECT_TRUE(first.error.isOk()) << "SQS itself worked";
  EXPECT_EQ(first.failed, 1u);
  EXPECT_EQ(first.deleted, 0u);
  EXPECT_EQ(sqs_.size(), 1u);
  EXPECT_EQ(messages("spot-interruption", "failed"), 1);

  sqs_.expireVisibility();  // SQS hands it out again after the visibility timeout
  PollResult second = controller_.pollOnce();
  EXPECT_EQ(second.deleted, 1u);
  EXPECT_EQ(sqs_.size(), 0u);
  EXPECT_TRUE(deleting("c1"));
  EXPECT_EQ(reasonOf("c1"), "Interrupted");
}

TEST_F(InterruptionTest, MissingQueueIsAClearErrorAndRetried) {
  sqs_.queueName = "another";
  PollResult r = controller_.pollOnce();
  EXPECT_TRUE(r.error.isNotFound());
  EXPECT_FALSE(controller_.pollOnce().error.isOk());
  EXPECT_EQ(countLines(logText(), "it does not exist"), 1u) << logText();
  sqs_.queueName = "q";  // created meanwhile
  send(spotWarning(kInstance));
  PollResult later = controller_.pollOnce();
  EXPECT_TRUE(later.error.isOk()) << later.error.toString();
  EXPECT_EQ(later.deleted, 1u);
}

TEST_F(InterruptionTest, RunStopsPromptlyAndAbandonsThePoll) {
  std::atomic<bool> abort{false};
  InterruptionController controller(sqs_, cluster_, handler_, clock_,
                                    {.queueName = "q", .workers = 1, .abortPoll = &abort});
  std::jthread runner([&](std::stop_token stop) { controller.run(stop); });
  while (sqs_.calls("receiveMessages") == 0) std::this_thread::sleep_for(1ms);
  runner.request_stop();
  runner.join();
  EXPECT_TRUE(abort.load()) << "the SQS client's abort flag is raised on stop";
}

}  // namespace
}  // namespace gantry::provisioner::interruption

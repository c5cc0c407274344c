/// An AWS partition: which regions belong to it and the DNS suffixes its endpoints use. The
/// table is botocore's `partitions.json`; EndpointResolutionTests checks it against the copy
/// in Tests/BedrockTests/Vectors/endpoints/partitions.json.
struct Partition: Sendable, Equatable {
    var id: String
    var regionRegex: String
    var dnsSuffix: String
    var dualStackDnsSuffix: String
    var supportsFIPS: Bool
    var supportsDualStack: Bool
    /// Pseudo-regions listed by name because the regex does not match them.
    var globalRegions: [String]

    static let all: [Partition] = [
        Partition(id: "aws", regionRegex: #"^(us|eu|ap|sa|ca|me|af|il|mx)\-\w+\-\d+$"#, dnsSuffix: "amazonaws.com",
                  dualStackDnsSuffix: "api.aws", supportsFIPS: true, supportsDualStack: true, globalRegions: ["aws-global"]),
        Partition(id: "aws-cn", regionRegex: #"^cn\-\w+\-\d+$"#, dnsSuffix: "amazonaws.com.cn",
                  dualStackDnsSuffix: "api.amazonwebservices.com.cn", supportsFIPS: true, supportsDualStack: true,
                  globalRegions: ["aws-cn-global"]),
        Partition(id: "aws-eusc", regionRegex: #"^eusc\-(de)\-\w+\-\d+$"#, dnsSuffix: "amazonaws.eu",
                  dualStackDnsSuffix: "api.amazonwebservices.eu", supportsFIPS: true, supportsDualStack: true,
                  globalRegions: []),
        Partition(id: "aws-iso", regionRegex: #"^us\-iso\-\w+\-\d+$"#, dnsSuffix: "c2s.ic.gov",
                  dualStackDnsSuffix: "api.aws.ic.gov", supportsFIPS: true, supportsDualStack: true,
                  globalRegions: ["aws-iso-global"]),
        Partition(id: "aws-iso-b", regionRegex: #"^us\-isob\-\w+\-\d+$"#, dnsSuffix: "sc2s.sgov.gov",
                  dualStackDnsSuffix: "api.aws.scloud", supportsFIPS: true, supportsDualStack: true,
                  globalRegions: ["aws-iso-b-global"]),
        Partition(id: "aws-iso-e", regionRegex: #"^eu\-isoe\-\w+\-\d+$"#, dnsSuffix: "cloud.adc-e.uk",
                  dualStackDnsSuffix: "api.cloud-aws.adc-e.uk", supportsFIPS: true, supportsDualStack: true,
                  globalRegions: ["aws-iso-e-global"]),
        Partition(id: "aws-iso-f", regionRegex: #"^us\-isof\-\w+\-\d+$"#, dnsSuffix: "csp.hci.ic.gov",
                  dualStackDnsSuffix: "api.aws.hci.ic.gov", supportsFIPS: true, supportsDualStack: true,
                  globalRegions: ["aws-iso-f-global"]),
        Partition(id: "aws-us-gov", regionRegex: #"^us\-gov\-\w+\-\d+$"#, dnsSuffix: "amazonaws.com",
                  dualStackDnsSuffix: "api.aws", supportsFIPS: true, supportsDualStack: true,
                  globalRegions: ["aws-us-gov-global"]),
    ]

    /// The partition of `region`: a named pseudo-region, else the first whose regex matches,
    /// else `aws` (as the endpoint rules' `aws.partition` function does).
    static func of(region: String) -> Partition {
        if let named = all.first(where: { $0.globalRegions.contains(region) }) { return named }
        for partition in all {
            if let regex = try? Regex(partition.regionRegex), region.wholeMatch(of: regex) != nil { return partition }
        }
        return all[0]
    }
}

/// Bedrock Runtime's endpoint rules (its endpoint-rule-set-1.json), for when no endpoint URL
/// is configured.
enum EndpointRules {
    static let service = "bedrock-runtime"

    static func url(region: String, useFIPS: Bool, useDualStack: Bool) throws(BedrockError) -> String {
        let partition = Partition.of(region: region)
        if useFIPS, !partition.supportsFIPS {
            throw BedrockError(.config, "FIPS is enabled but partition \(partition.id) does not support FIPS")
        }
        if useDualStack, !partition.supportsDualStack {
            throw BedrockError(.config, "dual-stack is enabled but partition \(partition.id) does not support it")
        }
        let host = useFIPS ? "\(service)-fips" : service
        let suffix = useDualStack ? partition.dualStackDnsSuffix : partition.dnsSuffix
        return "https://\(host).\(region).\(suffix)"
    }
}

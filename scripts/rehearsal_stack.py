#!/usr/bin/env python3
"""The deploy rehearsal's stack: template.yaml transformed by the SAM translator and deployed
into a moto server through moto's CloudFormation, then IAM enforced (tests/tests/rehearsal.rs).

  rehearsal_stack.py transform --out FILE [--template FILE]
  rehearsal_stack.py policies --out FILE [--template FILE]
  rehearsal_stack.py deploy --endpoint URL --out FILE [--template FILE] [--parameter KEY=VALUE ...]

`policies` writes each role's inline policies resolved against placeholder names, for the
static checks (scripts/template_checks.py). `deploy` takes a moto server that does not enforce IAM yet, and leaves it enforcing. It writes
a JSON description of what was deployed: each function's binary, environment (as moto's
Lambda holds it), timeout, log group and routes; each role's statements and trust policy
resolved exactly as CloudFormation would; the state table; and the credentials of two IAM users
made for the rehearsal (an administrator for the test's own calls, and a stand-in for the
Lambda service, the only principal that may assume the functions' roles).

What moto's CloudFormation does not do, and what is done here instead from the document:
- IAM inline policies: moto stores them as Python text with `AWS::NoValue` left as null, and
  does not match resource ARNs. Each role gets its statements' actions on `Resource: "*"` (plus
  `dynamodb:TransactWriteItems`, which IAM never checks: it authorizes each item as its own
  action, and the rehearsal's proxy does that); the resources are checked by the test against
  the statements resolved here.
- Trust policies: moto fails on a service principal, so `lambda.amazonaws.com` becomes the
  stand-in user; the Lambda service's own assumption is left unproven.
- TTL: moto ignores `TimeToLiveSpecification`; it is applied from the document.
- `LoggingConfig`: moto's Lambda drops it; the log group is resolved from the document.
- Resource types moto's CloudFormation skips (the API's `AWS::ApiGatewayV2::*`, the alarms):
  listed under `not_created`; the routes are read from the API's OpenAPI body instead.
"""

import argparse
import io
import json
import re
import sys
import tomllib
import urllib.request
import zipfile
from pathlib import Path

import template_doc

ACCOUNT_ROLE_PATH = "/"
STANDIN_USER = "rehearsal-lambda-service"
ADMIN_USER = "rehearsal-admin"
ENVELOPE = {
    "Sid": "RehearsalTransactWriteItemsEnvelope",
    "Effect": "Allow",
    "Action": "dynamodb:TransactWriteItems",
    "Resource": "*",
}
NO_VALUE = object()


def stack_name():
    """The stack name `sam deploy` uses (samconfig.toml), as the log groups' names depend on it."""
    config = tomllib.loads((template_doc.ROOT / "samconfig.toml").read_text())
    return config["default"]["global"]["parameters"]["stack_name"]


def parameter_values(cfn, given):
    """Every parameter's value: its default in the document unless given; missing ones fail."""
    values = {}
    for name, spec in cfn.get("Parameters", {}).items():
        if name in given:
            values[name] = given[name]
        elif "Default" in spec:
            values[name] = str(spec["Default"])
        else:
            raise SystemExit(f"parameter {name} has no default: pass --parameter {name}=VALUE")
    unknown = set(given) - set(values)
    if unknown:
        raise SystemExit(f"no such parameters in the template: {sorted(unknown)}")
    return values


class Resolver:
    """CloudFormation's intrinsic functions over the deployed stack's names, for what moto's
    CloudFormation does not keep faithfully. An intrinsic or attribute it does not know fails,
    so a template change it cannot follow stops the rehearsal instead of passing it."""

    def __init__(self, cfn, parameters, physical, region, account, stack):
        self.cfn, self.parameters, self.physical = cfn, parameters, physical
        self.region, self.account, self.stack = region, account, stack
        self.pseudo = {
            "AWS::Region": region,
            "AWS::AccountId": account,
            "AWS::Partition": "aws",
            "AWS::StackName": stack,
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::NoValue": NO_VALUE,
        }

    def value(self, node):
        if isinstance(node, list):
            return [v for v in (self.value(item) for item in node) if v is not NO_VALUE]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            (key, arg), = node.items()
            if key == "Ref":
                return self.ref(arg)
            if key == "Fn::GetAtt":
                logical, attribute = arg.split(".", 1) if isinstance(arg, str) else arg
                return self.get_att(logical, attribute)
            if key == "Fn::Sub":
                return self.sub(arg)
            if key == "Fn::If":
                condition, when_true, when_false = arg
                return self.value(when_true if self.condition(condition) else when_false)
            if key == "Fn::Join":
                separator, items = arg
                return separator.join(str(v) for v in self.value(items))
            if key.startswith("Fn::") or key == "Condition":
                raise SystemExit(f"the rehearsal does not resolve {key}: teach rehearsal_stack.py")
        resolved = {k: self.value(v) for k, v in node.items()}
        return {k: v for k, v in resolved.items() if v is not NO_VALUE}

    def ref(self, name):
        if name in self.pseudo:
            return self.pseudo[name]
        if name in self.parameters:
            value = self.parameters[name]
            kind = self.cfn["Parameters"][name]["Type"]
            return value.split(",") if kind == "CommaDelimitedList" else value
        if name in self.physical:
            return self.physical[name]
        raise SystemExit(f"Ref {name}: no such parameter or created resource")

    def get_att(self, logical, attribute):
        """`Fn::GetAtt X.Arn` in the format AWS documents for X's type."""
        kind = self.cfn["Resources"][logical]["Type"]
        name = self.physical[logical]
        region, account = self.region, self.account
        arns = {
            # CloudFormation's Arn of a log group ends in `:*` (it names the group's streams).
            "AWS::Logs::LogGroup": f"arn:aws:logs:{region}:{account}:log-group:{name}:*",
            "AWS::DynamoDB::Table": f"arn:aws:dynamodb:{region}:{account}:table/{name}",
            "AWS::IAM::Role": f"arn:aws:iam::{account}:role{ACCOUNT_ROLE_PATH}{name}",
            "AWS::Lambda::Function": f"arn:aws:lambda:{region}:{account}:function:{name}",
        }
        if attribute != "Arn" or kind not in arns:
            raise SystemExit(f"the rehearsal does not know {logical}.{attribute} ({kind})")
        return arns[kind]

    def sub(self, arg):
        text, variables = (arg, {}) if isinstance(arg, str) else arg
        variables = {k: self.value(v) for k, v in variables.items()}

        def replace(match):
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in variables:
                return str(variables[name])
            if "." in name:
                return self.get_att(*name.split(".", 1))
            return str(self.ref(name))

        return re.sub(r"\$\{([^}]+)\}", replace, text)

    def condition(self, name):
        return self.evaluate(self.cfn["Conditions"][name])

    def evaluate(self, node):
        (key, arg), = node.items()
        if key == "Fn::Equals":
            left, right = (self.value(v) for v in arg)
            return left == right
        if key == "Fn::Not":
            return not self.evaluate(arg[0])
        if key == "Fn::And":
            return all(self.evaluate(a) for a in arg)
        if key == "Fn::Or":
            return any(self.evaluate(a) for a in arg)
        if key == "Condition":
            return self.condition(arg)
        raise SystemExit(f"the rehearsal does not evaluate the condition {key}")


def as_list(value):
    return value if isinstance(value, list) else [value]


def statements(role_name, properties):
    """The role's statements, each with its policy's name, actions and resources as lists."""
    if properties.get("ManagedPolicyArns"):
        raise SystemExit(f"{role_name}: managed policies are not rehearsed")
    found = []
    for policy in properties.get("Policies", []):
        for statement in as_list(policy["PolicyDocument"]["Statement"]):
            unknown = set(statement) - {"Sid", "Effect", "Action", "Resource", "Condition"}
            if unknown or statement["Effect"] != "Allow":
                raise SystemExit(f"{role_name}: the rehearsal models Allow statements with "
                                 f"Action and Resource only, not {sorted(unknown) or 'Deny'}")
            found.append({
                "policy": policy["PolicyName"],
                "sid": statement.get("Sid", f"statement-{len(found) + 1}"),
                "actions": as_list(statement["Action"]),
                "resources": as_list(statement["Resource"]),
                "condition": statement.get("Condition"),
            })
    return found


def enforced_policy(kept):
    """What moto enforces for a role: each kept statement's actions on any resource."""
    body = [{"Sid": re.sub(r"[^A-Za-z0-9]", "", s["sid"]) or "Statement", "Effect": "Allow",
             "Action": s["actions"], "Resource": "*"} for s in kept]
    return json.dumps({"Version": "2012-10-17", "Statement": body + [ENVELOPE]})


def standin_trust(role_name, trust, standin_arn):
    """The trust policy with the Lambda service principal replaced by the stand-in user."""
    trust = json.loads(json.dumps(trust))
    for statement in as_list(trust["Statement"]):
        if statement.get("Principal") != {"Service": "lambda.amazonaws.com"}:
            raise SystemExit(f"{role_name}: a trust principal other than the Lambda service: "
                             f"{statement.get('Principal')}")
        statement["Principal"] = {"AWS": standin_arn}
    return json.dumps(trust)


def routes(resolver, api_body, function_arns):
    """(function, method, path, authorizer) of every route of the API's OpenAPI body."""
    found = []
    body = resolver.value(api_body)
    for path, methods in body.get("paths", {}).items():
        for method, operation in methods.items():
            uri = operation["x-amazon-apigateway-integration"]["uri"]
            function = next(f for arn, f in function_arns.items() if f"/functions/{arn}/" in uri)
            security = operation.get("security") or []
            authorizer = next(iter(security[0]), None) if security else None
            found.append({"function": function, "method": method.upper(), "path": path,
                          "authorizer": authorizer})
    return found


def make_user(iam, name, statement):
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName=name, PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [statement]}))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    arn = iam.get_user(UserName=name)["User"]["Arn"]
    return {"arn": arn, "access_key_id": key["AccessKeyId"],
            "secret_access_key": key["SecretAccessKey"]}


def set_enforcement(endpoint, count):
    """moto's INITIAL_NO_AUTH_ACTION_COUNT: 0 checks every request from now on."""
    request = urllib.request.Request(f"{endpoint}/moto-api/reset-auth", data=count.encode(),
                                     headers={"Content-Type": "text/plain"}, method="POST")
    urllib.request.urlopen(request, timeout=10).read()


def upload_code(s3, cfn):
    """The S3 objects `sam package` would upload; the rehearsal runs the local binaries."""
    s3.create_bucket(Bucket=template_doc.CODE_BUCKET)
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("bootstrap", "#!/bin/sh\necho 'the rehearsal runs the local build'\n")
    for resource in cfn["Resources"].values():
        code = resource.get("Properties", {}).get("Code")
        if resource["Type"] == "AWS::Lambda::Function" and code:
            s3.put_object(Bucket=code["S3Bucket"], Key=code["S3Key"], Body=archive.getvalue())


def deploy(args):
    import boto3

    given = dict(p.split("=", 1) for p in args.parameter)
    doc = template_doc.load(args.template)
    cfn = template_doc.transform(doc)
    parameters = parameter_values(cfn, given)
    session = boto3.Session(aws_access_key_id="test", aws_secret_access_key="test",
                            region_name=template_doc.REGION)

    def client(service, credentials=None):
        if credentials:
            return boto3.Session(aws_access_key_id=credentials["access_key_id"],
                                 aws_secret_access_key=credentials["secret_access_key"],
                                 region_name=template_doc.REGION).client(
                                     service, endpoint_url=args.endpoint)
        return session.client(service, endpoint_url=args.endpoint)

    set_enforcement(args.endpoint, "inf")
    upload_code(client("s3"), cfn)
    stack = stack_name()
    cloudformation = client("cloudformation")
    cloudformation.create_stack(
        StackName=stack, TemplateBody=json.dumps(cfn), Capabilities=["CAPABILITY_IAM"],
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in given.items()])
    status = cloudformation.describe_stacks(StackName=stack)["Stacks"][0]
    if status["StackStatus"] != "CREATE_COMPLETE":
        raise SystemExit(f"moto's CloudFormation: {status['StackStatus']} "
                         f"{status.get('StackStatusReason', '')}")
    created = cloudformation.describe_stack_resources(StackName=stack)["StackResources"]
    physical = {r["LogicalResourceId"]: r.get("PhysicalResourceId") for r in created
                if r.get("LogicalResourceId")}
    not_created = {logical: r["Type"] for logical, r in cfn["Resources"].items()
                   if logical not in physical}

    account = client("sts").get_caller_identity()["Account"]
    resolver = Resolver(cfn, parameters, physical, template_doc.REGION, account, stack)
    iam, dynamodb = client("iam"), client("dynamodb")
    admin = make_user(iam, ADMIN_USER, {"Effect": "Allow", "Action": "*", "Resource": "*"})
    standin = make_user(iam, STANDIN_USER,
                        {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"})

    roles = {}
    for logical, resource in cfn["Resources"].items():
        if resource["Type"] != "AWS::IAM::Role":
            continue
        properties = resolver.value(resource["Properties"])
        name = physical[logical]
        role = {"name": name, "arn": resolver.get_att(logical, "Arn"),
                "trust": properties["AssumeRolePolicyDocument"],
                "statements": statements(name, properties)}
        iam.update_assume_role_policy(RoleName=name, PolicyDocument=standin_trust(
            name, role["trust"], standin["arn"]))
        for policy in iam.list_role_policies(RoleName=name)["PolicyNames"]:
            iam.delete_role_policy(RoleName=name, PolicyName=policy)
        iam.put_role_policy(RoleName=name, PolicyName="rehearsal-enforced",
                            PolicyDocument=enforced_policy(role["statements"]))
        roles[logical] = role

    functions, function_arns = {}, {}
    lambda_ = client("lambda")
    for logical, resource in cfn["Resources"].items():
        if resource["Type"] != "AWS::Lambda::Function":
            continue
        config = lambda_.get_function_configuration(FunctionName=physical[logical])
        properties = resolver.value(resource["Properties"])
        binary = resource["Metadata"]["BuildProperties"]["Binary"]
        role = next(r for r, v in roles.items() if v["arn"] == config["Role"])
        functions[binary] = {
            "logical_id": logical,
            "name": config["FunctionName"],
            "role": role,
            "environment": config.get("Environment", {}).get("Variables", {}),
            "timeout_seconds": config["Timeout"],
            "memory_mb": config["MemorySize"],
            "reserved_concurrency": lambda_.get_function_concurrency(
                FunctionName=physical[logical]).get("ReservedConcurrentExecutions"),
            "log_group": properties["LoggingConfig"]["LogGroup"],
        }
        function_arns[resolver.get_att(logical, "Arn")] = binary

    api = [r for r in cfn["Resources"].values() if r["Type"] == "AWS::ApiGatewayV2::Api"]
    api_routes = routes(resolver, api[0]["Properties"]["Body"], function_arns) if api else []

    table_logical, _ = template_doc.state_table(cfn)
    table_request, ttl_attribute = template_doc.create_table_request(cfn, physical[table_logical])
    if ttl_attribute:
        dynamodb.update_time_to_live(TableName=table_request["TableName"], TimeToLiveSpecification={
            "Enabled": True, "AttributeName": ttl_attribute})
    table = dict(table_request, TableArn=resolver.get_att(table_logical, "Arn"),
                 TimeToLiveAttribute=ttl_attribute)

    variants = []
    for logical, role in roles.items():
        function = next(f for f, v in functions.items() if v["role"] == logical)
        for index, statement in enumerate(role["statements"]):
            removals = [statement["actions"]]
            if len(statement["actions"]) > 1:
                removals += [[action] for action in statement["actions"]]
            for removed in removals:
                kept = [dict(s, actions=[a for a in s["actions"] if a not in removed])
                        if i == index else s for i, s in enumerate(role["statements"])]
                kept = [s for s in kept if s["actions"]]
                name = f"rehearsal-variant-{len(variants) + 1}"
                iam.create_role(RoleName=name, AssumeRolePolicyDocument=standin_trust(
                    name, role["trust"], standin["arn"]))
                iam.put_role_policy(RoleName=name, PolicyName="rehearsal-enforced",
                                    PolicyDocument=enforced_policy(kept))
                variants.append({"function": function, "sid": statement["sid"],
                                 "removed": removed,
                                 "whole_statement": removed == statement["actions"],
                                 "role_arn": f"arn:aws:iam::{account}:role/{name}"})

    decoys = make_decoys(client, parameters, table_request["TableName"], functions, args.template)
    set_enforcement(args.endpoint, "0")
    assume_roles(client, roles, functions, variants, admin, standin)
    description = {
        "stack": stack, "region": template_doc.REGION, "account": account,
        "parameters": parameters, "admin": admin, "lambda_service": standin,
        "functions": functions, "roles": roles, "routes": api_routes, "table": table,
        "variants": variants, "decoys": decoys, "not_created": not_created,
    }
    Path(args.out).write_text(json.dumps(description, indent=1))


def assume_roles(client, roles, functions, variants, admin, standin):
    """Credentials for each role and variant, assumed through moto's STS by the stand-in for the
    Lambda service with the function's name as the session name, as Lambda does. Fails unless
    the trust policies are enforced: the administrator, whose own policy allows sts:AssumeRole
    on any role, is not their principal and must be refused."""
    from botocore.exceptions import ClientError

    sts = client("sts", standin)

    def assume(arn, session):
        found = sts.assume_role(RoleArn=arn, RoleSessionName=session)["Credentials"]
        return {"access_key_id": found["AccessKeyId"], "secret_access_key": found["SecretAccessKey"],
                "session_token": found["SessionToken"]}

    for binary, function in functions.items():
        roles[function["role"]]["credentials"] = assume(roles[function["role"]]["arn"],
                                                        function["name"])
    for variant in variants:
        variant["credentials"] = assume(variant["role_arn"], functions[variant["function"]]["name"])
    try:
        client("sts", admin).assume_role(RoleArn=next(iter(roles.values()))["arn"],
                                         RoleSessionName="not-the-lambda-service")
    except ClientError as error:
        if error.response["Error"]["Code"] != "AccessDenied":
            raise
    else:
        raise SystemExit("moto let a principal outside the trust policy assume a function's role")


def make_decoys(client, parameters, table_name, functions, template):
    """The rest of the account: resources a statement must not reach, each named the way a
    loose wildcard would catch it (a table or log group sharing a prefix, a secret beside the
    prefix), plus an unrelated secret."""
    dynamodb, secrets, logs = client("dynamodb"), client("secretsmanager"), client("logs")
    template_doc.create_state_table(dynamodb, f"{table_name}-archive", template)
    prefix = parameters["SecretPrefix"]
    for name in (f"{prefix.rstrip('/')}-archive/decoy", "other-app/database"):
        secrets.create_secret(Name=name, SecretString="not a chatpass project")
    for function in functions.values():
        logs.create_log_group(logGroupName=f"{function['log_group']}-archive")
    return {
        "tables": [f"{table_name}-archive"],
        "secrets": [f"{prefix.rstrip('/')}-archive/decoy", "other-app/database"],
        "log_groups": [f"{f['log_group']}-archive" for f in functions.values()],
    }


def policies(args):
    """Each role's inline policies with the intrinsics resolved against placeholder names (the
    ARNs keep their real shape), and the role's `parliament` skips from its Metadata."""
    cfn = template_doc.transform(template_doc.load(args.template))
    stack, account = stack_name(), "123456789012"
    physical = {logical: f"{stack}-{logical}" for logical in cfn["Resources"]}
    required = {"IssuerUrl": "https://idp.example.com/", "Audience": "client-id"}
    # The defaults, and with a customer-managed key for the secrets (its conditional statement).
    kms_key = f"arn:aws:kms:{template_doc.REGION}:{account}:key/00000000-0000-0000-0000-000000000000"
    found = []
    for label, given in (("defaults", required),
                         ("SecretsKmsKeyArn set", dict(required, SecretsKmsKeyArn=kms_key))):
        parameters = parameter_values(cfn, given)
        resolver = Resolver(cfn, parameters, physical, template_doc.REGION, account, stack)
        for logical, resource in cfn["Resources"].items():
            if resource["Type"] != "AWS::IAM::Role":
                continue
            skip = resource.get("Metadata", {}).get("parliament", {}).get("skip", [])
            for policy in resolver.value(resource["Properties"]).get("Policies", []):
                found.append({"role": logical, "policy": f"{policy['PolicyName']} ({label})",
                              "document": policy["PolicyDocument"], "skip": skip})
    Path(args.out).write_text(json.dumps(found, indent=1))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    transform = commands.add_parser("transform", help="template.yaml as plain CloudFormation JSON")
    transform.add_argument("--template", default=template_doc.TEMPLATE)
    transform.add_argument("--out", required=True)
    policies_ = commands.add_parser("policies", help="each role's policies, resolved")
    policies_.add_argument("--template", default=template_doc.TEMPLATE)
    policies_.add_argument("--out", required=True)
    deploy_ = commands.add_parser("deploy", help="deploy into moto and describe it")
    deploy_.add_argument("--template", default=template_doc.TEMPLATE)
    deploy_.add_argument("--endpoint", required=True)
    deploy_.add_argument("--out", required=True)
    deploy_.add_argument("--parameter", action="append", default=[])
    args = parser.parse_args()
    if args.command == "transform":
        cfn = template_doc.transform(template_doc.load(args.template))
        Path(args.out).write_text(json.dumps(cfn, indent=1))
    elif args.command == "policies":
        policies(args)
    else:
        deploy(args)


if __name__ == "__main__":
    sys.exit(main())

import Foundation
import SiteStreamJSON
import Testing

/// Conditions, on_revoke and the built-in Sales Order → Purchase Order mapping end to end: a
/// served head office, a branch that subscribes and pulls over loopback HTTP with the CLI.
@Suite(.serialized) struct ConditionsOverHTTPTests {
    @Test func conditionsRevokesAndTheBuiltinMappingOverHTTP() throws {
        let cli = try CLIRunner()
        let sites = try TwoSites(cli, label: "conditions")
        defer { sites.remove() }
        let ho = sites.ho, br = sites.br, key = sites.key, secret = sites.secret

        let server = try ServeProcess(cli, site: ho)
        defer { server.stop() }
        let url = server.url

        func insert(_ site: String, _ doctype: String, _ data: String) throws {
            let r = try cli.run(["doc", "insert", "--site", site, doctype, "--data", data])
            #expect(r.status == 0, "\(doctype): \(r.stderr)")
        }
        try insert(ho, "Customer Group", #"{"customer_group_name": "Retail"}"#)
        try insert(ho, "Item Group", #"{"item_group_name": "Tools"}"#)
        try insert(ho, "Item", #"{"item_code": "HAMMER", "item_name": "Hammer", "item_group": "Tools", "stock_uom": "Nos"}"#)
        try insert(ho, "Customer", #"{"customer_name": "Ana", "customer_type": "Company", "customer_group": "Retail"}"#)
        try insert(br, "Supplier Group", #"{"supplier_group_name": "All Supplier Groups"}"#)

        let add = ["producer", "add", "--site", br, "--url", url, "--api-key", key, "--api-secret", secret, "--doctype"]
        let malformed = try cli.run(add + ["Customer;same-name;condition=doc.customer_type = 'Individual'"])
        #expect(malformed.status != 0)
        #expect(malformed.stderr.contains("at character 19"), "\(malformed.stderr)")
        let added = try cli.run(add + ["Customer;same-name;condition=doc.customer_type == 'Individual';on-revoke=delete",
                                       "Sales Order;same-name;mapping=Sales Order to Purchase Order"])
        #expect(added.status == 0, "\(added.stderr)")
        #expect(try cli.run(["consumer", "approve", "--site", ho, "--consumer", "branch", "--doctype", "Customer", "Sales Order"]).status == 0)

        // Hidden until it satisfies the condition.
        #expect(try cli.run(["doc", "update", "--site", ho, "Customer", "Ana", "--data", #"{"mobile_no": "1"}"#]).status == 0)
        #expect(try cli.run(["pull", "--site", br]).status == 0)
        #expect(try cli.run(["doc", "get", "--site", br, "Customer", "Ana"]).status != 0)
        #expect(try cli.run(["doc", "update", "--site", ho, "Customer", "Ana", "--data", #"{"customer_type": "Individual"}"#]).status == 0)
        var pulled = try cli.run(["pull", "--site", br])
        #expect(pulled.status == 0, "\(pulled.stderr)")
        let copy = try cli.run(["doc", "get", "--site", br, "Customer", "Ana", "--json"])
        #expect(copy.json?["mobile_no"] == "1")
        #expect(copy.json?["customer_type"] == "Individual")
        // on-revoke=delete: the copy goes when the document stops satisfying the condition.
        #expect(try cli.run(["doc", "update", "--site", ho, "Customer", "Ana", "--data", #"{"customer_type": "Company"}"#]).status == 0)
        #expect(try cli.run(["pull", "--site", br]).status == 0)
        #expect(try cli.run(["doc", "get", "--site", br, "Customer", "Ana"]).status != 0)

        // A Sales Order arrives as a Purchase Order, its customer as a Supplier.
        let order = try cli.run(["doc", "insert", "--site", ho, "Sales Order", "--json", "--data", #"""
            {"naming_series": "SAL-ORD-.YYYY.-", "customer": "Ana", "order_type": "Sales", "transaction_date": "2026-01-05",
             "delivery_date": "2026-01-20", "currency": "USD", "conversion_rate": 1,
             "items": [{"item_code": "HAMMER", "item_name": "Hammer", "delivery_date": "2026-01-20", "qty": 3, "uom": "Nos",
                        "conversion_factor": 1, "rate": 10, "amount": 30}]}
            """#])
        #expect(order.status == 0, "\(order.stderr)")
        let name = try #require(order.json?["name"]?.stringValue)
        pulled = try cli.run(["pull", "--site", br])
        #expect(pulled.status == 0, "\(pulled.stderr)")
        let po = try cli.run(["doc", "get", "--site", br, "Purchase Order", name, "--json"])
        let syncLog = try cli.run(["sync-log", "list", "--site", br]).stdout
        #expect(po.status == 0, "\(po.stderr) \(syncLog)")
        #expect(po.json?["supplier"] == "Ana")
        #expect(po.json?["items"]?[0]?["schedule_date"] == "2026-01-20")
        #expect(po.json?["grand_total"]?.doubleValue == 30)
        #expect(try cli.run(["doc", "get", "--site", br, "Supplier", "Ana"]).status == 0)
    }
}
